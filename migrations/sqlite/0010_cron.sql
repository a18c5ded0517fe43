-- Cron schedules (zart cron add, or `schedule` on a workflow definition). Every worker on
-- every machine reads the same rows: a due schedule (next_tick_at passed, not paused) is
-- fired by whichever worker gets there first. The tick's execution id is derived from the
-- name and the tick time, and next_tick_at only moves by compare-and-set from the value
-- the worker read, so a tick starts one execution however many workers race over it.
CREATE TABLE zart_schedules (
  name               TEXT    PRIMARY KEY,
  workflow           TEXT    NOT NULL,
  cron               TEXT    NOT NULL,
  timezone           TEXT    NOT NULL,
  input_json         TEXT    NOT NULL,
  overlap            TEXT    NOT NULL,
  catch_up           TEXT    NOT NULL,
  source             TEXT    NOT NULL,
  paused             INTEGER NOT NULL DEFAULT 0,
  next_tick_at       INTEGER,
  last_tick_at       INTEGER,
  last_execution_id  TEXT,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE INDEX zart_schedules_due ON zart_schedules (next_tick_at);
