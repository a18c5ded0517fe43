-- A commit of steps, progress reports and finishes of executions the committing store holds
-- under a lease, decided in commit-plan.ts against the rows its own claim and commits left
-- (src/storage/known-rows.ts), is applied here in one call, in a transaction of its own.
-- Each row is written only while every fence holds: still running under the lease's
-- token, not paused, and, for one the batch finishes, no unfinished child started
-- attached. A fence that fails raises ZK001: nothing is written, and the store takes the
-- usual path (lock and read, decide, apply). One prepared call instead of two round trips
-- of plain text planned anew every time.
CREATE FUNCTION zart_commit_known(fences jsonb, touched jsonb, moved jsonb, steps jsonb) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  ids text[] := ARRAY(SELECT x->>'id' FROM jsonb_array_elements(fences) AS x ORDER BY 1);
  touched_ids text[] := ARRAY(SELECT x->>'id' FROM jsonb_array_elements(touched) AS x);
  moved_ids text[] := ARRAY(SELECT x->>'id' FROM jsonb_array_elements(moved) AS x);
  written int := 0;
  n int;
BEGIN
  -- Several rows are locked in id order, as every commit locks them; one needs no extra pass.
  IF cardinality(ids) > 1 THEN
    PERFORM 1 FROM zart_executions WHERE id = ANY (ids) ORDER BY id FOR UPDATE;
  END IF;

  IF cardinality(touched_ids) > 0 THEN
    UPDATE zart_executions e
    SET current_step = v.current_step, takeovers = v.takeovers, progress_json = v.progress_json,
        updated_at = v.updated_at
    FROM jsonb_to_recordset(touched) AS v(id text, current_step text, takeovers int, progress_json text,
         updated_at bigint),
         jsonb_to_recordset(fences) AS f(id text, token bigint, finishing boolean)
    WHERE e.id = ANY (touched_ids) AND e.id = v.id AND f.id = e.id
      AND e.status = 'running' AND e.lease_token = f.token AND e.paused = 0;
    GET DIAGNOSTICS n = ROW_COUNT;
    written := written + n;
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
         updated_at bigint),
         jsonb_to_recordset(fences) AS f(id text, token bigint, finishing boolean)
    WHERE e.id = ANY (moved_ids) AND e.id = v.id AND f.id = e.id
      AND e.status = 'running' AND e.lease_token = f.token AND e.paused = 0
      AND NOT (f.finishing AND EXISTS (
        SELECT 1 FROM zart_executions c
        WHERE c.parent_id = e.id AND c.detached = 0
          AND c.status NOT IN ('completed', 'failed', 'cancelled', 'timed_out')));
    GET DIAGNOSTICS n = ROW_COUNT;
    written := written + n;
  END IF;

  IF written < cardinality(touched_ids) + cardinality(moved_ids) THEN
    RAISE EXCEPTION 'a fence of a commit of known rows failed' USING ERRCODE = 'ZK001';
  END IF;

  PERFORM zart_apply_commit('[]'::jsonb, '[]'::jsonb, steps, '[]'::jsonb);
  RETURN true;
END
$$;
