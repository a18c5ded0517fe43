-- Safe replay. An execution may now wait on several things at once (every branch of a
-- Promise.all/race that is blocked), durable points record where the code reached them
-- and in which order their results were handed back, and executions carry the version of
-- the workflow they started under. What a commit does is decided in one place for every
-- store (src/storage/commit-plan.ts); the stores only lock, read and apply.

-- What a suspended execution waits for: a JSON array of {kind, key, event?, until}.
ALTER TABLE zart_executions ADD COLUMN waits_json TEXT;
ALTER TABLE zart_executions ADD COLUMN workflow_version TEXT;
-- Claims in a row that took over a lease left by a worker that died or hung.
ALTER TABLE zart_executions ADD COLUMN takeovers INTEGER NOT NULL DEFAULT 0;

-- Order in which the workflow reached the point, and in which its result was handed back.
ALTER TABLE zart_steps ADD COLUMN position INTEGER;
ALTER TABLE zart_steps ADD COLUMN resolved_seq INTEGER;

-- Executions suspended under the old model wait for one event or one timer.
UPDATE zart_executions
SET waits_json = CASE
  WHEN wait_event IS NOT NULL THEN
    json_array(json_object('kind', 'event', 'key', COALESCE(current_step, wait_event), 'event', wait_event, 'until', wait_until))
  ELSE json_array(json_object('kind', 'sleep', 'key', COALESCE(current_step, 'sleep'), 'until', wait_until))
END
WHERE status = 'waiting';
