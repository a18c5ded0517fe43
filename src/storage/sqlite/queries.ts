/** The SQL the SQLite adapter runs, one named statement per operation. */

/** Whether `migrate()` ever ran here: `migrationStatus()` must not create the table to find out. */
export const MIGRATIONS_TABLE_EXISTS = `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'zart_migrations'`

export const SELECT_MIGRATIONS = `SELECT name FROM zart_migrations`

export const SELECT_EXECUTION = `SELECT * FROM zart_executions WHERE id = ?`

export const SELECT_BY_IDEMPOTENCY_KEY = `SELECT * FROM zart_executions WHERE idempotency_key = ?`

export const INSERT_EXECUTION = `
  INSERT INTO zart_executions
    (id, workflow, status, input_json, idempotency_key, deadline_at, due_at, created_at, updated_at,
     lease_owner, lease_token, lease_expires_at, attempt)
  VALUES (@id, @workflow, @status, @inputJson, @idempotencyKey, @deadlineAt, @dueAt, @now, @now,
          @leaseOwner, @leaseToken, @leaseExpiresAt, @attempt)
  RETURNING *`

export const SELECT_STEPS = `SELECT * FROM zart_steps WHERE execution_id = ? ORDER BY rowid`

export const LIST_EXECUTIONS = `
  SELECT * FROM zart_executions
  WHERE (@status IS NULL OR status = @status)
    AND (@workflow IS NULL OR workflow = @workflow)
    AND (@before IS NULL OR seq < @before)
  ORDER BY seq DESC
  LIMIT @limit`

export const EVENT_EXISTS = `SELECT 1 FROM zart_events WHERE execution_id = ? AND event_id = ?`

export const INSERT_EVENT = `
  INSERT INTO zart_events (execution_id, name, event_id, payload_json, created_at)
  VALUES (@executionId, @name, @eventId, @payloadJson, @now)`

/** An event arriving for the wait in progress makes the execution due at once. */
export const WAKE_WAITER = `
  UPDATE zart_executions SET status = 'pending', due_at = @now, updated_at = @now
  WHERE id = @executionId AND status = 'waiting' AND wait_event = @name
  RETURNING *`

export const CANCEL = `
  UPDATE zart_executions
  SET status = 'cancelled', error_json = @errorJson, due_at = NULL, lease_owner = NULL,
      lease_expires_at = NULL, wait_event = NULL, wait_until = NULL, updated_at = @now
  WHERE id = @id AND status IN ('pending', 'running', 'waiting')
  RETURNING *`

/** Terminal executions to prune, oldest first; the status list is a JSON array. */
export const SELECT_PRUNABLE = `
  SELECT id FROM zart_executions
  WHERE updated_at < @before
    AND status IN (SELECT value FROM json_each(@statuses))
    AND status IN ('completed', 'failed', 'cancelled', 'timed_out')
  ORDER BY seq LIMIT @limit`

export const DELETE_STEPS = `DELETE FROM zart_steps WHERE execution_id = ?`

export const DELETE_EVENTS = `DELETE FROM zart_events WHERE execution_id = ?`

export const DELETE_EXECUTION = `DELETE FROM zart_executions WHERE id = ?`

export const SELECT_DUE = `
  SELECT id FROM zart_executions
  WHERE due_at <= ? AND workflow IN (SELECT value FROM json_each(?))
  ORDER BY due_at LIMIT ?`

/**
 * A running row is due again only when its lease expires: the holder enforces the
 * deadline itself, and if it hangs or dies the takeover after expiry finds the deadline
 * passed and times the execution out.
 */
export const CLAIM = `
  UPDATE zart_executions
  SET status = 'running', lease_owner = @workerId, lease_token = lease_token + 1,
      lease_expires_at = @leaseExpiresAt, due_at = @leaseExpiresAt,
      attempt = attempt + 1, wait_event = NULL, wait_until = NULL, updated_at = @now
  WHERE id = @id AND due_at <= @now
  RETURNING *`

export const NEXT_DUE = `
  SELECT MIN(due_at) AS due FROM zart_executions
  WHERE due_at IS NOT NULL AND workflow IN (SELECT value FROM json_each(?))`

export const HEARTBEAT = `
  UPDATE zart_executions
  SET lease_expires_at = @leaseExpiresAt, due_at = @leaseExpiresAt
  WHERE id = @id AND lease_token = @token AND status = 'running'`

/** The fence: every write for a running execution goes through this guard first. */
export const TOUCH_FENCED = `
  UPDATE zart_executions SET current_step = COALESCE(@step, current_step), updated_at = @now
  WHERE id = @id AND lease_token = @token AND status = 'running'`

export const UPSERT_STEP = `
  INSERT INTO zart_steps
    (execution_id, step_key, name, kind, status, attempts, output_json, error_json,
     started_at, finished_at, wake_at)
  VALUES (@executionId, @key, @name, @kind, @status, @attempts, @outputJson, @errorJson,
          @startedAt, @finishedAt, @wakeAt)
  ON CONFLICT (execution_id, step_key) DO UPDATE SET
    status = excluded.status, attempts = excluded.attempts, output_json = excluded.output_json,
    error_json = excluded.error_json, finished_at = excluded.finished_at, wake_at = excluded.wake_at`

export const RELEASE_PENDING = `
  UPDATE zart_executions
  SET status = 'pending', due_at = @runAt, lease_owner = NULL, lease_expires_at = NULL,
      error_json = COALESCE(@errorJson, error_json),
      workflow_retries = workflow_retries + @countRetry, updated_at = @now
  WHERE id = @id AND lease_token = @token AND status = 'running'`

export const SUSPEND_WAITING = `
  UPDATE zart_executions
  SET status = 'waiting', wait_event = @event, wait_until = @wakeAt,
      due_at = CASE
        WHEN @wakeAt IS NULL THEN deadline_at
        WHEN deadline_at IS NULL THEN @wakeAt
        ELSE MIN(@wakeAt, deadline_at) END,
      lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
  WHERE id = @id AND lease_token = @token AND status = 'running'`

export const OLDEST_EVENT = `
  SELECT seq, payload_json FROM zart_events
  WHERE execution_id = ? AND name = ? AND consumed_by IS NULL
  ORDER BY seq LIMIT 1`

export const CONSUME_EVENT = `UPDATE zart_events SET consumed_by = ? WHERE seq = ?`

export const FINISH = `
  UPDATE zart_executions
  SET status = @status, output_json = @outputJson, error_json = @errorJson, due_at = NULL,
      lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
  WHERE id = @id AND lease_token = @token AND status = 'running'
  RETURNING *`
