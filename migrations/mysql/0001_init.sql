-- zart schema, MySQL 8 / MariaDB 10.6+. Same tables, columns and meaning as SQLite's
-- 0001_init.sql. Times are BIGINT milliseconds since the epoch; JSON is LONGTEXT, stored
-- verbatim. Binary collation: ids, names and keys compare exactly, as on SQLite.

CREATE TABLE zart_executions (
  seq               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id                VARCHAR(128) NOT NULL,
  workflow          VARCHAR(128) NOT NULL,
  status            VARCHAR(16)  NOT NULL,
  input_json        LONGTEXT     NOT NULL,
  output_json       LONGTEXT,
  error_json        LONGTEXT,
  idempotency_key   VARCHAR(256),
  current_step      VARCHAR(160),
  wait_event        VARCHAR(128),
  wait_until        BIGINT,
  deadline_at       BIGINT,
  attempt           INT          NOT NULL DEFAULT 0,
  workflow_retries  INT          NOT NULL DEFAULT 0,
  lease_owner       VARCHAR(128),
  lease_token       BIGINT       NOT NULL DEFAULT 0,
  lease_expires_at  BIGINT,
  due_at            BIGINT,
  created_at        BIGINT       NOT NULL,
  updated_at        BIGINT       NOT NULL,
  UNIQUE KEY zart_executions_id (id),
  UNIQUE KEY zart_executions_idempotency_key (idempotency_key),
  -- Workers look only at rows that need one; terminal and event-waiting rows have NULL here.
  KEY zart_executions_due (due_at),
  KEY zart_executions_status (status, seq),
  KEY zart_executions_workflow (workflow, seq)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE zart_steps (
  execution_id  VARCHAR(128) NOT NULL,
  step_key      VARCHAR(160) NOT NULL,
  -- Insertion order, which SQLite gets from rowid: steps are listed in the order reached.
  seq           BIGINT       NOT NULL AUTO_INCREMENT,
  name          VARCHAR(128) NOT NULL,
  kind          VARCHAR(8)   NOT NULL,
  status        VARCHAR(16)  NOT NULL,
  attempts      INT          NOT NULL,
  output_json   LONGTEXT,
  error_json    LONGTEXT,
  started_at    BIGINT       NOT NULL,
  finished_at   BIGINT,
  wake_at       BIGINT,
  PRIMARY KEY (execution_id, step_key),
  UNIQUE KEY zart_steps_seq (seq)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The inbox: events kept until a wait of the same name consumes them, oldest first.
CREATE TABLE zart_events (
  seq           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  execution_id  VARCHAR(128) NOT NULL,
  name          VARCHAR(128) NOT NULL,
  event_id      VARCHAR(256),
  payload_json  LONGTEXT     NOT NULL,
  created_at    BIGINT       NOT NULL,
  consumed_by   VARCHAR(160),
  UNIQUE KEY zart_events_event_id (execution_id, event_id),
  KEY zart_events_inbox (execution_id, name, consumed_by, seq)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
