-- A commit of steps, progress reports and finishes of executions the committing store holds
-- under a lease, decided in commit-plan.ts against the rows its own claim and commits left
-- (src/storage/known-rows.ts), is applied here in one call, in a transaction of its own.
-- Each row is written only while its fence holds: still running under the lease's token,
-- not paused, and, for one the batch finishes, no unfinished child started attached. A
-- fence that fails raises ZK001: nothing is written, and the store takes the usual path
-- (lock and read, decide, apply). One prepared call instead of two round trips of plain
-- text planned anew every time; row by row, since a batch is most often one row, which
-- an index lookup writes faster than a join with a set read from JSON.
CREATE FUNCTION zart_commit_known(touched jsonb, moved jsonb, steps jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  x jsonb;
BEGIN
  -- Several rows are locked in id order first, as every commit locks them.
  IF jsonb_array_length(touched) + jsonb_array_length(moved) > 1 THEN
    PERFORM 1 FROM zart_executions
    WHERE id = ANY (ARRAY(SELECT r->>'id' FROM jsonb_array_elements(touched || moved) AS r))
    ORDER BY id FOR UPDATE;
  END IF;

  FOR x IN SELECT value FROM jsonb_array_elements(touched) LOOP
    UPDATE zart_executions
    SET current_step = x->>'current_step', takeovers = (x->>'takeovers')::int, progress_json = x->>'progress_json',
        updated_at = (x->>'updated_at')::bigint
    WHERE id = x->>'id' AND status = 'running' AND lease_token = (x->>'token')::bigint AND paused = 0;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'execution % is not as its lease holder knew it', x->>'id' USING ERRCODE = 'ZK001';
    END IF;
  END LOOP;

  FOR x IN SELECT value FROM jsonb_array_elements(moved) LOOP
    UPDATE zart_executions e
    SET status = x->>'status', current_step = x->>'current_step', output_json = x->>'output_json',
        error_json = x->>'error_json', wait_event = x->>'wait_event', wait_until = (x->>'wait_until')::bigint,
        waits_json = x->>'waits_json', workflow_retries = (x->>'workflow_retries')::int,
        takeovers = (x->>'takeovers')::int, progress_json = x->>'progress_json', lease_owner = x->>'lease_owner',
        lease_expires_at = (x->>'lease_expires_at')::bigint, due_at = (x->>'due_at')::bigint,
        updated_at = (x->>'updated_at')::bigint
    WHERE e.id = x->>'id' AND e.status = 'running' AND e.lease_token = (x->>'token')::bigint AND e.paused = 0
      AND NOT EXISTS (
        SELECT 1 FROM zart_executions c
        WHERE c.parent_id = e.id AND c.detached = 0
          AND c.status NOT IN ('completed', 'failed', 'cancelled', 'timed_out'));
    IF NOT FOUND THEN
      RAISE EXCEPTION 'execution % is not as its lease holder knew it', x->>'id' USING ERRCODE = 'ZK001';
    END IF;
  END LOOP;

  FOR x IN SELECT value FROM jsonb_array_elements(steps) LOOP
    INSERT INTO zart_steps
      (execution_id, step_key, name, kind, status, position, resolved_seq, attempts, output_json, error_json,
       started_at, finished_at, wake_at)
    VALUES (x->>'execution_id', x->>'step_key', x->>'name', x->>'kind', x->>'status', (x->>'position')::int,
            (x->>'resolved_seq')::bigint, (x->>'attempts')::int, x->>'output_json', x->>'error_json',
            (x->>'started_at')::bigint, (x->>'finished_at')::bigint, (x->>'wake_at')::bigint)
    ON CONFLICT (execution_id, step_key) DO UPDATE SET
      status = excluded.status, position = COALESCE(excluded.position, zart_steps.position),
      resolved_seq = excluded.resolved_seq, attempts = excluded.attempts, output_json = excluded.output_json,
      error_json = excluded.error_json, finished_at = excluded.finished_at, wake_at = excluded.wake_at;
  END LOOP;
END
$$;
