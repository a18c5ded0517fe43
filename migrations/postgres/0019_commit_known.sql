-- A commit of steps, progress reports and finishes of executions the committing store holds
-- under a lease, decided in commit-plan.ts against the rows its own claim and commits left
-- (src/storage/known-rows.ts), is applied here in one call: the fenced rows are locked in id
-- order, and the changes applied only if every fence holds (still running under the
-- lease's token, not paused, and, for one the batch finishes, no unfinished child started
-- attached). Otherwise nothing is written and the answer is false: the store then takes
-- the usual path (lock and read, decide, apply). One prepared call in its own transaction
-- instead of two round trips of plain text planned anew every time.
CREATE FUNCTION zart_commit_known(fences jsonb, touched jsonb, moved jsonb, steps jsonb) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  ids text[] := ARRAY(SELECT x->>'id' FROM jsonb_array_elements(fences) AS x);
  held int;
BEGIN
  SELECT count(*) INTO held FROM (
    SELECT e.id FROM zart_executions e
    JOIN jsonb_to_recordset(fences) AS f(id text, token bigint, finishing boolean) ON f.id = e.id
    WHERE e.id = ANY (ids) AND e.status = 'running' AND e.lease_token = f.token AND e.paused = 0
      AND NOT (f.finishing AND EXISTS (
        SELECT 1 FROM zart_executions c
        WHERE c.parent_id = e.id AND c.detached = 0
          AND c.status NOT IN ('completed', 'failed', 'cancelled', 'timed_out')))
    ORDER BY e.id
    FOR UPDATE OF e
  ) AS locked;
  IF held < cardinality(ids) THEN
    RETURN false;
  END IF;
  PERFORM zart_apply_commit(touched, moved, steps, '[]'::jsonb);
  RETURN true;
END
$$;
