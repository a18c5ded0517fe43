-- A fenced write names its execution by id and also checks its status. Where the table's
-- statistics say almost no row has that status (most executions finished when it was last
-- analysed), the planner read the row through the status index instead of the id index,
-- and every commit visited every running execution, every delivery every waiting one,
-- dead index entries included: about 0.3 ms per commit with 2,000 running rows, and
-- growing with them. The status is now compared as an expression (status || ''), which no
-- index serves, so the row is found through its id whatever the statistics say. The two
-- functions are otherwise as migrations 0019 and 0005 left them; the store's own
-- statements (src/storage/postgres/queries.ts) do the same.
CREATE OR REPLACE FUNCTION zart_commit_known(touched jsonb, moved jsonb, steps jsonb) RETURNS void
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
    WHERE id = x->>'id' AND status || '' = 'running' AND lease_token = (x->>'token')::bigint AND paused = 0;
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
    WHERE e.id = x->>'id' AND e.status || '' = 'running' AND e.lease_token = (x->>'token')::bigint AND e.paused = 0
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

CREATE OR REPLACE FUNCTION zart_deliver_events(events jsonb, lock_ids jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  ev jsonb;
  r zart_executions;
  woken zart_executions;
  results jsonb := '[]'::jsonb;
BEGIN
  PERFORM 1 FROM jsonb_array_elements_text(lock_ids) WITH ORDINALITY AS a(id, n)
    JOIN zart_executions e ON e.id = a.id
    ORDER BY a.n
    FOR UPDATE OF e;
  FOR ev IN SELECT value FROM jsonb_array_elements(events) WITH ORDINALITY AS a(value, n) ORDER BY n LOOP
    SELECT * INTO r FROM zart_executions WHERE id = ev->>'executionId';
    IF NOT FOUND THEN
      results := results || jsonb_build_array(jsonb_build_object('outcome', 'not_found'));
      CONTINUE;
    END IF;
    IF r.status NOT IN ('pending', 'running', 'waiting') THEN
      IF ev->>'eventId' IS NOT NULL
         AND EXISTS (SELECT 1 FROM zart_events WHERE execution_id = r.id AND event_id = ev->>'eventId') THEN
        results := results || jsonb_build_array(jsonb_build_object('outcome', 'duplicate', 'row', to_jsonb(r)));
      ELSE
        results := results || jsonb_build_array(jsonb_build_object('outcome', 'terminal', 'row', to_jsonb(r)));
      END IF;
      CONTINUE;
    END IF;
    INSERT INTO zart_events (execution_id, name, event_id, payload_json, created_at)
    VALUES (r.id, ev->>'name', ev->>'eventId', ev->>'payloadJson', (ev->>'now')::bigint)
    ON CONFLICT (execution_id, event_id) DO NOTHING;
    IF NOT FOUND THEN
      results := results || jsonb_build_array(jsonb_build_object('outcome', 'duplicate', 'row', to_jsonb(r)));
      CONTINUE;
    END IF;
    UPDATE zart_executions
      SET status = 'pending', due_at = (ev->>'now')::bigint, updated_at = (ev->>'now')::bigint
      WHERE id = r.id AND status || '' = 'waiting'
        AND waits_json::jsonb @> jsonb_build_array(jsonb_build_object('kind', 'event', 'event', ev->>'name'))
      RETURNING * INTO woken;
    IF FOUND THEN
      results := results || jsonb_build_array(jsonb_build_object('outcome', 'delivered', 'row', to_jsonb(woken)));
    ELSE
      results := results || jsonb_build_array(jsonb_build_object('outcome', 'buffered', 'row', to_jsonb(r)));
    END IF;
  END LOOP;
  RETURN results;
END
$$;
