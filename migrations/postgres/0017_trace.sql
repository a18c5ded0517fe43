-- The W3C traceparent of the call that scheduled the execution, so that every run of it
-- joins the caller's trace (null when it was scheduled outside any trace).
ALTER TABLE zart_executions ADD COLUMN trace_parent TEXT;

-- Batched create (0016's version) now stores it too. A dedupe key is also given up when its
-- execution is no longer pending: a cancel writes the whole row and leaves the key.
CREATE OR REPLACE FUNCTION zart_create_executions(inputs jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  i jsonb;
  r zart_executions;
  results jsonb := '[]'::jsonb;
BEGIN
  FOR i IN SELECT value FROM jsonb_array_elements(inputs) WITH ORDINALITY AS a(value, n) ORDER BY n LOOP
    IF i->>'dedupeKey' IS NOT NULL THEN
      UPDATE zart_executions SET dedupe_key = NULL, dedupe_until = NULL
      WHERE workflow = i->>'workflow' AND dedupe_key = i->>'dedupeKey' AND (dedupe_until <= (i->>'now')::bigint OR status <> 'pending');
    END IF;
    INSERT INTO zart_executions
      (id, workflow, workflow_version, input_json, idempotency_key, deadline_at, created_at, updated_at,
       status, due_at, lease_owner, lease_token, lease_expires_at, attempt, queue, concurrency_key, priority,
       dedupe_key, dedupe_until, trace_parent)
    VALUES (i->>'id', i->>'workflow', i->>'version', i->>'inputJson', i->>'idempotencyKey',
            (i->>'deadlineAt')::bigint, (i->>'now')::bigint, (i->>'now')::bigint, i->>'status',
            (i->>'dueAt')::bigint, i->>'leaseOwner', (i->>'leaseToken')::bigint,
            (i->>'leaseExpiresAt')::bigint, (i->>'attempt')::int, i->>'queue', i->>'concurrencyKey',
            COALESCE((i->>'priority')::int, 0), i->>'dedupeKey', (i->>'dedupeUntil')::bigint, i->>'traceParent')
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
    SELECT * INTO r FROM zart_executions WHERE workflow = i->>'workflow' AND dedupe_key = i->>'dedupeKey';
    IF FOUND THEN
      results := results || jsonb_build_array(
        jsonb_build_object('outcome', 'existing', 'matchedBy', 'dedupe', 'row', to_jsonb(r)));
      CONTINUE;
    END IF;
    results := results || jsonb_build_array(jsonb_build_object('outcome', 'retry'));
  END LOOP;
  RETURN results;
END
$$;
