-- Group commit in two round trips instead of four. What a commit does is still decided in
-- TypeScript (src/storage/commit-plan.ts) for every store; these two functions only lock
-- and read, then apply, so the adapter can send BEGIN with the first and COMMIT with the
-- second in one round trip each (several statements in one round trip take no bound
-- parameters, and a function keeps its plans where a statement sent as text would be
-- planned again every time).

-- Locks the batch's execution rows in id order (the store's lock order) and the unread
-- events of the inboxes the batch looks at, and returns both: {rows: [...], inbox: [...]}.
CREATE FUNCTION zart_lock_for_commit(ids jsonb, inbox_ids jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  locked jsonb;
BEGIN
  WITH r AS (
    SELECT * FROM zart_executions WHERE id IN (SELECT jsonb_array_elements_text(ids)) ORDER BY id FOR UPDATE
  ), i AS (
    SELECT seq, execution_id, name, payload_json FROM zart_events
    WHERE execution_id IN (SELECT jsonb_array_elements_text(inbox_ids)) AND consumed_by IS NULL
    ORDER BY seq FOR UPDATE
  )
  SELECT jsonb_build_object(
           'rows', (SELECT COALESCE(jsonb_agg(to_jsonb(r)), '[]'::jsonb) FROM r),
           'inbox', (SELECT COALESCE(jsonb_agg(to_jsonb(i) ORDER BY i.seq), '[]'::jsonb) FROM i))
    INTO locked;
  RETURN locked;
END
$$;

-- Applies a decided commit: rows that stay running (touched), rows that stop (moved, whole
-- rows), step upserts in order, consumed events; each a JSON array of column objects.
CREATE FUNCTION zart_apply_commit(touched jsonb, moved jsonb, steps jsonb, consumed jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE zart_executions e
  SET current_step = v.current_step, takeovers = v.takeovers, updated_at = v.updated_at
  FROM jsonb_to_recordset(touched) AS v(id text, current_step text, takeovers int, updated_at bigint)
  WHERE e.id = v.id;

  UPDATE zart_executions e
  SET status = v.status, current_step = v.current_step, output_json = v.output_json, error_json = v.error_json,
      wait_event = v.wait_event, wait_until = v.wait_until, waits_json = v.waits_json,
      workflow_retries = v.workflow_retries, takeovers = v.takeovers, lease_owner = v.lease_owner,
      lease_expires_at = v.lease_expires_at, due_at = v.due_at, updated_at = v.updated_at
  FROM jsonb_to_recordset(moved) AS v(id text, status text, current_step text, output_json text,
       error_json text, wait_event text, wait_until bigint, waits_json text, workflow_retries int,
       takeovers int, lease_owner text, lease_expires_at bigint, due_at bigint, updated_at bigint)
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
