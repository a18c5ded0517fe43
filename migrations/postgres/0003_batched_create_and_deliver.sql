-- Schedules and events in batches, one round trip each. Until now a schedule was one
-- statement and an event a four-statement transaction (BEGIN, lock, insert and wake,
-- COMMIT) per call; under many concurrent callers the round trips, not the disk, were the
-- limit. The adapter sends what concurrent callers asked for together; each function
-- answers one result per item, as if the items were applied one after another.

-- Inserts each execution unless its id or idempotency key exists; then reports the row
-- that holds it. 'retry' means the blocking row was pruned between the insert and the
-- read: the adapter tries that one again on its own.
CREATE FUNCTION zart_create_executions(inputs jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  i jsonb;
  r zart_executions;
  results jsonb := '[]'::jsonb;
BEGIN
  FOR i IN SELECT value FROM jsonb_array_elements(inputs) WITH ORDINALITY AS a(value, n) ORDER BY n LOOP
    INSERT INTO zart_executions
      (id, workflow, input_json, idempotency_key, deadline_at, created_at, updated_at,
       status, due_at, lease_owner, lease_token, lease_expires_at, attempt)
    VALUES (i->>'id', i->>'workflow', i->>'inputJson', i->>'idempotencyKey', (i->>'deadlineAt')::bigint,
            (i->>'now')::bigint, (i->>'now')::bigint, i->>'status', (i->>'dueAt')::bigint, i->>'leaseOwner',
            (i->>'leaseToken')::bigint, (i->>'leaseExpiresAt')::bigint, (i->>'attempt')::int)
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

-- Delivers each event: 'not_found', 'terminal' or 'duplicate' (an event id seen before)
-- store nothing; otherwise the event goes in and, when the execution waits for that name,
-- the execution becomes due at once ('delivered'), else it waits in the inbox ('buffered').
-- The executions are locked first, in the order of lock_ids (the adapter's lock order,
-- the same worker commits use), so a batch and a commit never wait on each other in a
-- cycle; a worker committing a wait then either went first (the execution is waiting and
-- is woken here) or goes after (it finds the event).
CREATE FUNCTION zart_deliver_events(events jsonb, lock_ids jsonb) RETURNS jsonb
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
      WHERE id = r.id AND status = 'waiting' AND wait_event = ev->>'name'
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
