-- A group commit's lock (0007) and apply (0008) found their rows by joining the tables with
-- a set-returning function of the JSON arguments. The planner costs such a function at 100
-- rows whatever it returns, and on a table of a few thousand rows chose a sequential scan
-- with a hash join: every commit read all of zart_executions (and of zart_events to consume
-- an event), about 0.5 ms with 2,000 rows and more as the tables grow. The ids now become
-- arrays first and are matched with = ANY, which the unique and inbox indexes serve.
CREATE OR REPLACE FUNCTION zart_lock_for_commit(ids jsonb, inbox_ids jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  id_list text[] := ARRAY(SELECT jsonb_array_elements_text(ids));
  inbox_list text[] := ARRAY(SELECT jsonb_array_elements_text(inbox_ids));
  locked jsonb;
BEGIN
  WITH r AS (
    SELECT * FROM zart_executions WHERE id = ANY (id_list) ORDER BY id FOR UPDATE
  ), i AS (
    SELECT seq, execution_id, name, payload_json FROM zart_events
    WHERE execution_id = ANY (inbox_list) AND consumed_by IS NULL
    ORDER BY seq FOR UPDATE
  )
  SELECT jsonb_build_object(
           'rows', (SELECT COALESCE(jsonb_agg(to_jsonb(r)), '[]'::jsonb) FROM r),
           'inbox', (SELECT COALESCE(jsonb_agg(to_jsonb(i) ORDER BY i.seq), '[]'::jsonb) FROM i))
    INTO locked;
  RETURN locked;
END
$$;

CREATE OR REPLACE FUNCTION zart_apply_commit(touched jsonb, moved jsonb, steps jsonb, consumed jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  touched_ids text[] := ARRAY(SELECT x->>'id' FROM jsonb_array_elements(touched) AS x);
  moved_ids text[] := ARRAY(SELECT x->>'id' FROM jsonb_array_elements(moved) AS x);
  consumed_seqs bigint[] := ARRAY(SELECT (x->>'seq')::bigint FROM jsonb_array_elements(consumed) AS x);
BEGIN
  IF cardinality(touched_ids) > 0 THEN
    UPDATE zart_executions e
    SET current_step = v.current_step, takeovers = v.takeovers, progress_json = v.progress_json,
        updated_at = v.updated_at
    FROM jsonb_to_recordset(touched) AS v(id text, current_step text, takeovers int, progress_json text,
         updated_at bigint)
    WHERE e.id = ANY (touched_ids) AND e.id = v.id;
  END IF;

  IF cardinality(moved_ids) > 0 THEN
    UPDATE zart_executions e
    SET status = v.status, current_step = v.current_step, output_json = v.output_json, error_json = v.error_json,
        wait_event = v.wait_event, wait_until = v.wait_until, waits_json = v.waits_json,
        workflow_retries = v.workflow_retries, takeovers = v.takeovers, progress_json = v.progress_json,
        lease_owner = v.lease_owner, lease_expires_at = v.lease_expires_at, due_at = v.due_at,
        updated_at = v.updated_at
    FROM jsonb_to_recordset(moved) AS v(id text, status text, current_step text, output_json text,
         error_json text, wait_event text, wait_until bigint, waits_json text, workflow_retries int,
         takeovers int, progress_json text, lease_owner text, lease_expires_at bigint, due_at bigint,
         updated_at bigint)
    WHERE e.id = ANY (moved_ids) AND e.id = v.id;
  END IF;

  INSERT INTO zart_steps
    (execution_id, step_key, name, kind, status, position, resolved_seq, attempts, output_json, error_json,
     started_at, finished_at, wake_at)
  SELECT v.execution_id, v.step_key, v.name, v.kind, v.status, v.position, v.resolved_seq, v.attempts,
         v.output_json, v.error_json, v.started_at, v.finished_at, v.wake_at
  FROM jsonb_to_recordset(steps) AS v(execution_id text, step_key text, name text, kind text, status text,
       position int, resolved_seq bigint, attempts int, output_json text, error_json text, started_at bigint,
       finished_at bigint, wake_at bigint)
  ON CONFLICT (execution_id, step_key) DO UPDATE SET
    status = excluded.status, position = COALESCE(excluded.position, zart_steps.position),
    resolved_seq = excluded.resolved_seq, attempts = excluded.attempts, output_json = excluded.output_json,
    error_json = excluded.error_json, finished_at = excluded.finished_at, wake_at = excluded.wake_at;

  IF cardinality(consumed_seqs) > 0 THEN
    UPDATE zart_events ev SET consumed_by = v.consumed_by
    FROM jsonb_to_recordset(consumed) AS v(seq bigint, consumed_by text)
    WHERE ev.seq = ANY (consumed_seqs) AND ev.seq = v.seq;
  END IF;
END
$$;
