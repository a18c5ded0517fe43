-- Cron schedules; see migrations/sqlite/0010_cron.sql.
CREATE TABLE zart_schedules (
  name               TEXT     PRIMARY KEY,
  workflow           TEXT     NOT NULL,
  cron               TEXT     NOT NULL,
  timezone           TEXT     NOT NULL,
  input_json         TEXT     NOT NULL,
  overlap            TEXT     NOT NULL,
  catch_up           TEXT     NOT NULL,
  source             TEXT     NOT NULL,
  paused             SMALLINT NOT NULL DEFAULT 0,
  next_tick_at       BIGINT,
  last_tick_at       BIGINT,
  last_execution_id  TEXT,
  created_at         BIGINT   NOT NULL,
  updated_at         BIGINT   NOT NULL
);
CREATE INDEX zart_schedules_due ON zart_schedules (next_tick_at);
