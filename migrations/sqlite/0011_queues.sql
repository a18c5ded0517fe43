-- Flow control (docs/queues.md). A queue's limits live here so every worker enforces the
-- same ones; an execution names its queue, its concurrency key and its priority.
CREATE TABLE zart_queues (
  name             TEXT    PRIMARY KEY,
  -- At most this many executions of the queue running at once (NULL: no limit).
  concurrency      INTEGER,
  -- At most this many running at once per concurrency key (NULL: no limit).
  key_concurrency  INTEGER,
  -- At most rate_limit first starts in any rate_period_ms (both NULL: no limit).
  rate_limit       INTEGER,
  rate_period_ms   INTEGER,
  updated_at       INTEGER NOT NULL
);

ALTER TABLE zart_executions ADD COLUMN queue TEXT;
ALTER TABLE zart_executions ADD COLUMN concurrency_key TEXT;
ALTER TABLE zart_executions ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
-- The first claim's time: the rate limit counts starts in its window.
ALTER TABLE zart_executions ADD COLUMN started_at INTEGER;
-- Held while the execution has not started and its window lasts: a schedule with the same
-- workflow and key returns it instead of creating another.
ALTER TABLE zart_executions ADD COLUMN dedupe_key TEXT;
ALTER TABLE zart_executions ADD COLUMN dedupe_until INTEGER;

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
