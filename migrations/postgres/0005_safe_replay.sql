-- Safe replay; see migrations/sqlite/0002_safe_replay.sql for what each column means.
-- What a commit does is now decided in TypeScript for every store (commit-plan.ts), so the
-- commit functions of 0001, 0002 and 0004 go: one meaning of a write, not two.

ALTER TABLE zart_executions
  ADD COLUMN waits_json TEXT,
  ADD COLUMN workflow_version TEXT,
  ADD COLUMN takeovers INTEGER NOT NULL DEFAULT 0;

ALTER TABLE zart_steps
  ADD COLUMN position INTEGER,
  ADD COLUMN resolved_seq BIGINT;

UPDATE zart_executions
SET waits_json = CASE
  WHEN wait_event IS NOT NULL THEN
    jsonb_build_array(jsonb_build_object('kind', 'event', 'key', COALESCE(current_step, wait_event), 'event', wait_event, 'until', wait_until))::text
  ELSE jsonb_build_array(jsonb_build_object('kind', 'sleep', 'key', COALESCE(current_step, 'sleep'), 'until', wait_until))::text
END
WHERE status = 'waiting';

DROP FUNCTION zart_commit_answering(jsonb, boolean);
DROP FUNCTION zart_commit(jsonb);
DROP FUNCTION zart_commit_in_order(jsonb);
DROP FUNCTION zart_apply_write(jsonb);

-- Deliveries wake an execution when any of its waits is for the event's name (0003's
-- version looked at one wait only). Otherwise unchanged.
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
      WHERE id = r.id AND status = 'waiting'
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

-- Schedules record the workflow's version (0003's version, with one more column).
CREATE OR REPLACE FUNCTION zart_create_executions(inputs jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  i jsonb;
  r zart_executions;
  results jsonb := '[]'::jsonb;
BEGIN
  FOR i IN SELECT value FROM jsonb_array_elements(inputs) WITH ORDINALITY AS a(value, n) ORDER BY n LOOP
    INSERT INTO zart_executions
      (id, workflow, workflow_version, input_json, idempotency_key, deadline_at, created_at, updated_at,
       status, due_at, lease_owner, lease_token, lease_expires_at, attempt)
    VALUES (i->>'id', i->>'workflow', i->>'version', i->>'inputJson', i->>'idempotencyKey',
            (i->>'deadlineAt')::bigint, (i->>'now')::bigint, (i->>'now')::bigint, i->>'status',
            (i->>'dueAt')::bigint, i->>'leaseOwner', (i->>'leaseToken')::bigint,
            (i->>'leaseExpiresAt')::bigint, (i->>'attempt')::int)
    ON CONFLICT DO NOTHING
    RETURNING * INTO r;
    IF FOUND THEN
      results := results || jsonb_build_array(jsonb_build_object('outcome', 'created', 'row', to_jsonb(r)));
      CONTINUE;
    END IF;
    SELECT * INTO r FROM zart_executions WHERE id = i->>'id';
    IF FOUND THEN
      results := results || jsonb_build_array(
        jsonb_build_object('outcome', 'existing', 'matchedBy', 'id', 'row', to_jsonb(r)));
      CONTINUE;
    END IF;
    SELECT * INTO r FROM zart_executions WHERE idempotency_key = i->>'idempotencyKey';
    IF FOUND THEN
      results := results || jsonb_build_array(
        jsonb_build_object('outcome', 'existing', 'matchedBy', 'idempotency_key', 'row', to_jsonb(r)));
      CONTINUE;
    END IF;
    results := results || jsonb_build_array(jsonb_build_object('outcome', 'retry'));
  END LOOP;
  RETURN results;
END
$$;
