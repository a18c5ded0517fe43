-- Flow control; see migrations/sqlite/0011_queues.sql for what each column means.
CREATE TABLE zart_queues (
  name             VARCHAR(128) NOT NULL PRIMARY KEY,
  concurrency      INT,
  key_concurrency  INT,
  rate_limit       INT,
  rate_period_ms   BIGINT,
  updated_at       BIGINT       NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

ALTER TABLE zart_executions
  ADD COLUMN queue VARCHAR(128),
  ADD COLUMN concurrency_key VARCHAR(256),
  ADD COLUMN priority INT NOT NULL DEFAULT 0,
  ADD COLUMN started_at BIGINT,
  ADD COLUMN dedupe_key VARCHAR(256),
  ADD COLUMN dedupe_until BIGINT,
  -- MySQL has no partial index: this column is due_at for queued rows only, so a claim
  -- finds due queued rows without reading past the others.
  ADD COLUMN queue_due BIGINT GENERATED ALWAYS AS (CASE WHEN queue IS NOT NULL THEN due_at END) VIRTUAL,
  ADD KEY zart_executions_queue_due_at (queue_due, queue),
  ADD UNIQUE KEY zart_executions_dedupe (workflow, dedupe_key),
  ADD KEY zart_executions_queue_due (queue, priority, due_at),
  ADD KEY zart_executions_queue_running (queue, status, concurrency_key),
  ADD KEY zart_executions_queue_starts (queue, started_at);
