-- A commit that finishes an execution also answers with the finished row, read inside
-- the same transaction. Whoever waits for that execution in the worker's process then has
-- its final state without another round trip to the database.
CREATE FUNCTION zart_commit_answering(writes jsonb, in_order boolean) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  outcomes jsonb;
BEGIN
  IF in_order THEN
    outcomes := zart_commit_in_order(writes);
  ELSE
    outcomes := zart_commit(writes);
  END IF;
  SELECT jsonb_agg(
           CASE WHEN (o.value->>'ok')::boolean AND a.w->'then'->>'kind' = 'finish'
                THEN o.value || jsonb_build_object(
                       'row', (SELECT to_jsonb(e) FROM zart_executions e WHERE e.id = a.w->>'id'))
                ELSE o.value END
           ORDER BY o.n)
    INTO outcomes
    FROM jsonb_array_elements(outcomes) WITH ORDINALITY AS o(value, n)
    JOIN jsonb_array_elements(writes) WITH ORDINALITY AS a(w, n) ON a.n = o.n;
  RETURN COALESCE(outcomes, '[]'::jsonb);
END
$$;
