-- Safe replay; see migrations/sqlite/0002_safe_replay.sql for what each column means.

ALTER TABLE zart_executions
  ADD COLUMN waits_json LONGTEXT,
  ADD COLUMN workflow_version VARCHAR(128),
  ADD COLUMN takeovers INT NOT NULL DEFAULT 0;

ALTER TABLE zart_steps
  ADD COLUMN position INT,
  ADD COLUMN resolved_seq BIGINT;

UPDATE zart_executions
SET waits_json = CASE
  WHEN wait_event IS NOT NULL THEN
    JSON_ARRAY(JSON_OBJECT('kind', 'event', 'key', COALESCE(current_step, wait_event), 'event', wait_event, 'until', wait_until))
  ELSE JSON_ARRAY(JSON_OBJECT('kind', 'sleep', 'key', COALESCE(current_step, 'sleep'), 'until', wait_until))
END
WHERE status = 'waiting';
