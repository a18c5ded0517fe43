-- zart schema, SQLite. Times are integer milliseconds since the epoch; JSON is text.

CREATE TABLE zart_executions (
  seq               INTEGER PRIMARY KEY AUTOINCREMENT,
  id                TEXT    NOT NULL UNIQUE,
  workflow          TEXT    NOT NULL,
  status            TEXT    NOT NULL,
  input_json        TEXT    NOT NULL,
  output_json       TEXT,
  error_json        TEXT,
  idempotency_key   TEXT    UNIQUE,
  current_step      TEXT,
  wait_event        TEXT,
  wait_until        INTEGER,
  deadline_at       INTEGER,
  attempt           INTEGER NOT NULL DEFAULT 0,
  workflow_retries  INTEGER NOT NULL DEFAULT 0,
  lease_owner       TEXT,
  lease_token       INTEGER NOT NULL DEFAULT 0,
  lease_expires_at  INTEGER,
  due_at            INTEGER,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);

-- Workers look only at rows that need one; terminal and event-waiting rows have no due_at.
CREATE INDEX zart_executions_due ON zart_executions (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX zart_executions_status ON zart_executions (status, seq);
CREATE INDEX zart_executions_workflow ON zart_executions (workflow, seq);

CREATE TABLE zart_steps (
  execution_id  TEXT    NOT NULL,
  step_key      TEXT    NOT NULL,
  name          TEXT    NOT NULL,
  kind          TEXT    NOT NULL,
  status        TEXT    NOT NULL,
  attempts      INTEGER NOT NULL,
  output_json   TEXT,
  error_json    TEXT,
  started_at    INTEGER NOT NULL,
  finished_at   INTEGER,
  wake_at       INTEGER,
  PRIMARY KEY (execution_id, step_key)
);

-- The inbox: events kept until a wait of the same name consumes them, oldest first.
CREATE TABLE zart_events (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  execution_id  TEXT    NOT NULL,
  name          TEXT    NOT NULL,
  event_id      TEXT,
  payload_json  TEXT    NOT NULL,
  created_at    INTEGER NOT NULL,
  consumed_by   TEXT,
  UNIQUE (execution_id, event_id)
);

CREATE INDEX zart_events_inbox ON zart_events (execution_id, name, seq) WHERE consumed_by IS NULL;
