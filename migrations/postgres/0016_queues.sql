-- Flow control; see migrations/sqlite/0011_queues.sql for what each column means.
CREATE TABLE zart_queues (
  name             TEXT    PRIMARY KEY,
  concurrency      INTEGER,
  key_concurrency  INTEGER,
  rate_limit       INTEGER,
  rate_period_ms   BIGINT,
  updated_at       BIGINT  NOT NULL
);

ALTER TABLE zart_executions
  ADD COLUMN queue TEXT,
  ADD COLUMN concurrency_key TEXT,
  ADD COLUMN priority INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN started_at BIGINT,
  ADD COLUMN dedupe_key TEXT,
  ADD COLUMN dedupe_until BIGINT;

CREATE UNIQUE INDEX zart_executions_dedupe ON zart_executions (workflow, dedupe_key) WHERE dedupe_key IS NOT NULL;
-- The due index of 0001 now holds the rows outside queues only: the fast claim reads it
-- without passing over a backlog held back by its limits, and each due row is in exactly
-- one of the two due indexes, so no write updates more than before.
DROP INDEX zart_executions_due;
CREATE INDEX zart_executions_due ON zart_executions (due_at) WHERE due_at IS NOT NULL AND queue IS NULL;
CREATE INDEX zart_executions_queue_due ON zart_executions (queue, priority DESC, due_at)
  WHERE queue IS NOT NULL AND due_at IS NOT NULL;
CREATE INDEX zart_executions_queue_running ON zart_executions (queue, status, concurrency_key) WHERE queue IS NOT NULL;
CREATE INDEX zart_executions_queue_starts ON zart_executions (queue, started_at) WHERE queue IS NOT NULL;

-- Schedules record the queue columns, and a dedupe key held by an execution that has not
-- started returns that execution (0005's version, with those additions).
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
      WHERE workflow = i->>'workflow' AND dedupe_key = i->>'dedupeKey' AND dedupe_until <= (i->>'now')::bigint;
    END IF;
    INSERT INTO zart_executions
      (id, workflow, workflow_version, input_json, idempotency_key, deadline_at, created_at, updated_at,
       status, due_at, lease_owner, lease_token, lease_expires_at, attempt, queue, concurrency_key, priority,
       dedupe_key, dedupe_until)
    VALUES (i->>'id', i->>'workflow', i->>'version', i->>'inputJson', i->>'idempotencyKey',
            (i->>'deadlineAt')::bigint, (i->>'now')::bigint, (i->>'now')::bigint, i->>'status',
            (i->>'dueAt')::bigint, i->>'leaseOwner', (i->>'leaseToken')::bigint,
            (i->>'leaseExpiresAt')::bigint, (i->>'attempt')::int, i->>'queue', i->>'concurrencyKey',
            COALESCE((i->>'priority')::int, 0), i->>'dedupeKey', (i->>'dedupeUntil')::bigint)
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
