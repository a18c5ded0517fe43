-- Group commit, set-wide. 0001's zart_commit ran two or three statements per write in a
-- loop; with 64 writes per batch that loop was most of a commit's time. Now, when a batch
-- has at most one write per execution (the usual case), the rows are locked and fenced
-- with one statement and steps, touches and transitions are applied with one statement
-- each. Waits (which read the inbox) and batches with several writes for one execution
-- keep the write-by-write path, which now lives in zart_apply_write.

-- Applies one write whose fence already held and whose row is locked and touched.
CREATE FUNCTION zart_apply_write(w jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  s jsonb := w->'step';
  t jsonb := w->'then';
  v_id text := w->>'id';
  v_now bigint := (w->>'now')::bigint;
  v_event record;
  v_wake bigint;
  outcome jsonb := jsonb_build_object('ok', true);
BEGIN
  IF jsonb_typeof(w->'wait') = 'object' THEN
    SELECT seq, payload_json INTO v_event FROM zart_events
      WHERE execution_id = v_id AND name = w->'wait'->>'event' AND consumed_by IS NULL
      ORDER BY seq LIMIT 1 FOR UPDATE;
    v_wake := (s->>'wakeAt')::bigint;
    IF FOUND THEN
      UPDATE zart_events SET consumed_by = s->>'key' WHERE seq = v_event.seq;
      s := s || jsonb_build_object('status', 'completed', 'outputJson', v_event.payload_json, 'finishedAt', v_now);
      outcome := outcome || jsonb_build_object('result', 'consumed', 'payloadJson', v_event.payload_json, 'finishedAt', v_now);
      t := NULL;
    ELSIF v_wake IS NOT NULL AND v_wake <= v_now THEN
      s := s || jsonb_build_object('status', 'failed', 'errorJson', w->'wait'->>'timeoutErrorJson', 'finishedAt', v_now);
      outcome := outcome || jsonb_build_object('result', 'timed_out');
      t := NULL;
    ELSE
      outcome := outcome || jsonb_build_object('result', 'waiting');
    END IF;
  END IF;

  IF jsonb_typeof(s) = 'object' THEN
    INSERT INTO zart_steps
      (execution_id, step_key, name, kind, status, attempts, output_json, error_json, started_at, finished_at, wake_at)
    VALUES (v_id, s->>'key', s->>'name', s->>'kind', s->>'status', (s->>'attempts')::int, s->>'outputJson',
            s->>'errorJson', (s->>'startedAt')::bigint, (s->>'finishedAt')::bigint, (s->>'wakeAt')::bigint)
    ON CONFLICT (execution_id, step_key) DO UPDATE SET
      status = excluded.status, attempts = excluded.attempts, output_json = excluded.output_json,
      error_json = excluded.error_json, finished_at = excluded.finished_at, wake_at = excluded.wake_at;
  END IF;

  IF t->>'kind' = 'release' THEN
    UPDATE zart_executions
      SET status = 'pending', due_at = (t->>'runAt')::bigint, lease_owner = NULL, lease_expires_at = NULL,
          error_json = COALESCE(t->>'errorJson', error_json),
          workflow_retries = workflow_retries + (t->>'countRetry')::int
      WHERE id = v_id;
  ELSIF t->>'kind' = 'suspend' THEN
    v_wake := (t->>'wakeAt')::bigint;
    UPDATE zart_executions
      SET status = 'waiting', wait_event = t->>'event', wait_until = v_wake,
          due_at = CASE WHEN v_wake IS NULL THEN deadline_at
                        WHEN deadline_at IS NULL THEN v_wake
                        ELSE LEAST(v_wake, deadline_at) END,
          lease_owner = NULL, lease_expires_at = NULL
      WHERE id = v_id;
  ELSIF t->>'kind' = 'finish' THEN
    UPDATE zart_executions
      SET status = t->>'status', output_json = t->>'outputJson', error_json = t->>'errorJson', due_at = NULL,
          lease_owner = NULL, lease_expires_at = NULL
      WHERE id = v_id;
  END IF;
  RETURN outcome;
END
$$;

-- Write by write, in order: each write sees the effect of the ones before it.
CREATE FUNCTION zart_commit_in_order(writes jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  w jsonb;
  outcomes jsonb := '[]'::jsonb;
BEGIN
  FOR w IN SELECT value FROM jsonb_array_elements(writes) WITH ORDINALITY AS a(value, n) ORDER BY n LOOP
    UPDATE zart_executions
      SET current_step = COALESCE(w->>'currentStep', current_step), updated_at = (w->>'now')::bigint
      WHERE id = w->>'id' AND lease_token = (w->>'token')::bigint AND status = 'running';
    IF FOUND THEN
      outcomes := outcomes || jsonb_build_array(zart_apply_write(w));
    ELSE
      outcomes := outcomes || jsonb_build_array(jsonb_build_object('ok', false));
    END IF;
  END LOOP;
  RETURN outcomes;
END
$$;

-- Same contract as 0001's: one outcome per write, in order. Rows are locked in the
-- order of the array (the adapter sends it in its lock order).
CREATE OR REPLACE FUNCTION zart_commit(writes jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  held bigint[];
  waits jsonb := '{}'::jsonb;
  r record;
BEGIN
  IF (SELECT count(DISTINCT value->>'id') FROM jsonb_array_elements(writes)) < jsonb_array_length(writes) THEN
    RETURN zart_commit_in_order(writes);
  END IF;

  -- The fence for the whole batch: lock the rows still running under each write's token.
  SELECT COALESCE(array_agg(x.n), '{}') INTO held FROM (
    SELECT a.n FROM jsonb_array_elements(writes) WITH ORDINALITY AS a(w, n)
    JOIN zart_executions e ON e.id = a.w->>'id'
    WHERE e.lease_token = (a.w->>'token')::bigint AND e.status = 'running'
    ORDER BY a.n
    FOR UPDATE OF e
  ) x;

  UPDATE zart_executions e
    SET current_step = COALESCE(a.w->>'currentStep', e.current_step), updated_at = (a.w->>'now')::bigint
    FROM jsonb_array_elements(writes) WITH ORDINALITY AS a(w, n)
    WHERE a.n = ANY(held) AND e.id = a.w->>'id';

  FOR r IN SELECT a.n, a.w FROM jsonb_array_elements(writes) WITH ORDINALITY AS a(w, n)
           WHERE a.n = ANY(held) AND jsonb_typeof(a.w->'wait') = 'object' ORDER BY a.n LOOP
    waits := waits || jsonb_build_object(r.n::text, zart_apply_write(r.w));
  END LOOP;

  INSERT INTO zart_steps
    (execution_id, step_key, name, kind, status, attempts, output_json, error_json, started_at, finished_at, wake_at)
  SELECT a.w->>'id', s->>'key', s->>'name', s->>'kind', s->>'status', (s->>'attempts')::int, s->>'outputJson',
         s->>'errorJson', (s->>'startedAt')::bigint, (s->>'finishedAt')::bigint, (s->>'wakeAt')::bigint
  FROM jsonb_array_elements(writes) WITH ORDINALITY AS a(w, n), LATERAL (SELECT a.w->'step' AS s) x
  WHERE a.n = ANY(held) AND jsonb_typeof(s) = 'object' AND jsonb_typeof(a.w->'wait') IS DISTINCT FROM 'object'
  ORDER BY a.n
  ON CONFLICT (execution_id, step_key) DO UPDATE SET
    status = excluded.status, attempts = excluded.attempts, output_json = excluded.output_json,
    error_json = excluded.error_json, finished_at = excluded.finished_at, wake_at = excluded.wake_at;

  UPDATE zart_executions e
    SET status = t->>'status', output_json = t->>'outputJson', error_json = t->>'errorJson', due_at = NULL,
        lease_owner = NULL, lease_expires_at = NULL
    FROM jsonb_array_elements(writes) WITH ORDINALITY AS a(w, n), LATERAL (SELECT a.w->'then' AS t) x
    WHERE a.n = ANY(held) AND e.id = a.w->>'id' AND t->>'kind' = 'finish'
      AND jsonb_typeof(a.w->'wait') IS DISTINCT FROM 'object';

  -- Releases (step retries, whole-run retries, shutdown) and sleeps are rarer: one by one.
  FOR r IN SELECT a.w FROM jsonb_array_elements(writes) WITH ORDINALITY AS a(w, n)
           WHERE a.n = ANY(held) AND a.w->'then'->>'kind' IN ('release', 'suspend')
             AND jsonb_typeof(a.w->'wait') IS DISTINCT FROM 'object' ORDER BY a.n LOOP
    PERFORM zart_apply_write(r.w - 'step');
  END LOOP;

  RETURN (
    SELECT jsonb_agg(CASE WHEN a.n = ANY(held) THEN COALESCE(waits->(a.n::text), '{"ok": true}'::jsonb)
                          ELSE '{"ok": false}'::jsonb END ORDER BY a.n)
    FROM jsonb_array_elements(writes) WITH ORDINALITY AS a(w, n)
  );
END
$$;
