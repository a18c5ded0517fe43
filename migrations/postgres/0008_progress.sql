-- The latest progress a workflow reported (ctx.progress): {fraction?, message?, data?, at}.
-- A commit that keeps a row running may now set it too (0007's apply, one column more).
ALTER TABLE zart_executions ADD COLUMN progress_json TEXT;

CREATE OR REPLACE FUNCTION zart_apply_commit(touched jsonb, moved jsonb, steps jsonb, consumed jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE zart_executions e
  SET current_step = v.current_step, takeovers = v.takeovers, progress_json = v.progress_json,
      updated_at = v.updated_at
  FROM jsonb_to_recordset(touched) AS v(id text, current_step text, takeovers int, progress_json text,
       updated_at bigint)
  WHERE e.id = v.id;

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
  WHERE e.id = v.id;

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

  UPDATE zart_events ev SET consumed_by = v.consumed_by
  FROM jsonb_to_recordset(consumed) AS v(seq bigint, consumed_by text)
  WHERE ev.seq = v.seq;
END
$$;
