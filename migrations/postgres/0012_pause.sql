-- A paused execution is not claimed until it is resumed (zart pause / zart resume).
ALTER TABLE zart_executions ADD COLUMN paused SMALLINT NOT NULL DEFAULT 0;
