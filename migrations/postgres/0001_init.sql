-- zart schema, PostgreSQL. Same tables, columns and meaning as SQLite's 0001_init.sql.
-- Times are BIGINT milliseconds since the epoch; JSON is TEXT, stored verbatim.

CREATE TABLE zart_executions (
  seq               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id                TEXT    NOT NULL UNIQUE,
  workflow          TEXT    NOT NULL,
  status            TEXT    NOT NULL,
  input_json        TEXT    NOT NULL,
  output_json       TEXT,
  error_json        TEXT,
  idempotency_key   TEXT    UNIQUE,
  current_step      TEXT,
  wait_event        TEXT,
  wait_until        BIGINT,
  deadline_at       BIGINT,
  attempt           INTEGER NOT NULL DEFAULT 0,
  workflow_retries  INTEGER NOT NULL DEFAULT 0,
  lease_owner       TEXT,
  lease_token       BIGINT  NOT NULL DEFAULT 0,
  lease_expires_at  BIGINT,
  due_at            BIGINT,
  created_at        BIGINT  NOT NULL,
  updated_at        BIGINT  NOT NULL
);

-- Workers look only at rows that need one; terminal and event-waiting rows have no due_at.
CREATE INDEX zart_executions_due ON zart_executions (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX zart_executions_status ON zart_executions (status, seq);
CREATE INDEX zart_executions_workflow ON zart_executions (workflow, seq);

CREATE TABLE zart_steps (
  execution_id  TEXT    NOT NULL,
  step_key      TEXT    NOT NULL,
  -- Insertion order, which SQLite gets from rowid: steps are listed in the order reached.
  seq           BIGINT GENERATED ALWAYS AS IDENTITY,
  name          TEXT    NOT NULL,
  kind          TEXT    NOT NULL,
  status        TEXT    NOT NULL,
  attempts      INTEGER NOT NULL,
  output_json   TEXT,
  error_json    TEXT,
  started_at    BIGINT  NOT NULL,
  finished_at   BIGINT,
  wake_at       BIGINT,
  PRIMARY KEY (execution_id, step_key)
);

-- The inbox: events kept until a wait of the same name consumes them, oldest first.
CREATE TABLE zart_events (
  seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  execution_id  TEXT    NOT NULL,
  name          TEXT    NOT NULL,
  event_id      TEXT,
  payload_json  TEXT    NOT NULL,
  created_at    BIGINT  NOT NULL,
  consumed_by   TEXT,
  UNIQUE (execution_id, event_id)
);

CREATE INDEX zart_events_inbox ON zart_events (execution_id, name, seq) WHERE consumed_by IS NULL;

-- Group commit in one round trip: applies a batch of fenced writes, in order, inside the
-- caller's single statement (so inside one transaction), and returns one outcome per
-- write. Each write is planned by the adapter (src/storage/write-plan.ts) as:
--   {id, token, now, currentStep, step?, wait?, then?}
-- where `step` is a step row to upsert, `wait` asks to consume the oldest unconsumed
-- event of a name (else time out, else suspend), and `then` moves the execution:
-- release (back to pending), suspend (waiting) or finish (terminal). Every statement is
-- fenced on `status = 'running' AND lease_token = token`; the first one also takes the
-- row lock, so a concurrent claim, cancel or event delivery waits for this commit.
CREATE FUNCTION zart_commit(writes jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  w jsonb;
  s jsonb;
  t jsonb;
  v_id text;
  v_token bigint;
  v_now bigint;
  v_event record;
  v_wake bigint;
  outcomes jsonb := '[]'::jsonb;
  outcome jsonb;
BEGIN
  FOR w IN SELECT value FROM jsonb_array_elements(writes) WITH ORDINALITY AS a(value, n) ORDER BY n LOOP
    v_id := w->>'id';
    v_token := (w->>'token')::bigint;
    v_now := (w->>'now')::bigint;
    UPDATE zart_executions
      SET current_step = COALESCE(w->>'currentStep', current_step), updated_at = v_now
      WHERE id = v_id AND lease_token = v_token AND status = 'running';
    IF NOT FOUND THEN
      outcomes := outcomes || jsonb_build_array(jsonb_build_object('ok', false));
      CONTINUE;
    END IF;

    s := w->'step';
    t := w->'then';
    outcome := jsonb_build_object('ok', true);
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
    outcomes := outcomes || jsonb_build_array(outcome);
  END LOOP;
  RETURN outcomes;
END
$$;

-- Wake-ups across processes: whenever a row becomes pending (scheduled, woken by an event,
-- handed back), listening workers are told at once instead of at their next poll. The
-- payload is the schema, so workers on other schemas of the same database ignore it.
CREATE FUNCTION zart_notify_due() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('zart_due', TG_TABLE_SCHEMA);
  RETURN NULL;
END
$$;

CREATE TRIGGER zart_executions_inserted AFTER INSERT ON zart_executions
  FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION zart_notify_due();

CREATE TRIGGER zart_executions_became_pending AFTER UPDATE OF status ON zart_executions
  FOR EACH ROW WHEN (NEW.status = 'pending' AND OLD.status <> 'pending') EXECUTE FUNCTION zart_notify_due();
