-- Cron schedules; see migrations/sqlite/0010_cron.sql.
CREATE TABLE zart_schedules (
  name               VARCHAR(96)  NOT NULL PRIMARY KEY,
  workflow           VARCHAR(128) NOT NULL,
  cron               VARCHAR(256) NOT NULL,
  timezone           VARCHAR(64)  NOT NULL,
  input_json         LONGTEXT     NOT NULL,
  overlap            VARCHAR(8)   NOT NULL,
  catch_up           VARCHAR(8)   NOT NULL,
  source             VARCHAR(8)   NOT NULL,
  paused             TINYINT      NOT NULL DEFAULT 0,
  next_tick_at       BIGINT       NULL,
  last_tick_at       BIGINT       NULL,
  last_execution_id  VARCHAR(128) NULL,
  created_at         BIGINT       NOT NULL,
  updated_at         BIGINT       NOT NULL,
  INDEX zart_schedules_due (next_tick_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
