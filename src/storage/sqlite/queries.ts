/** The SQL the SQLite adapter runs, one named statement per operation. */

/** Whether `migrate()` ever ran here: `migrationStatus()` must not create the table to find out. */
export const MIGRATIONS_TABLE_EXISTS = `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'zart_migrations'`

export const SELECT_MIGRATIONS = `SELECT name FROM zart_migrations`

export const SELECT_EXECUTION = `SELECT * FROM zart_executions WHERE id = ?`

export const SELECT_BY_IDEMPOTENCY_KEY = `SELECT * FROM zart_executions WHERE idempotency_key = ?`

export const INSERT_EXECUTION = `
  INSERT INTO zart_executions
    (id, workflow, workflow_version, status, input_json, idempotency_key, deadline_at, due_at, created_at,
     updated_at, lease_owner, lease_token, lease_expires_at, attempt)
  VALUES (@id, @workflow, @version, @status, @inputJson, @idempotencyKey, @deadlineAt, @dueAt, @now,
          @now, @leaseOwner, @leaseToken, @leaseExpiresAt, @attempt)
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

/** An event for any of the waits of a suspended execution makes it due at once. */
export const WAKE_WAITER = `
  UPDATE zart_executions SET status = 'pending', due_at = @now, updated_at = @now
  WHERE id = @executionId AND status = 'waiting'
    AND EXISTS (SELECT 1 FROM json_each(waits_json)
                WHERE json_extract(value, '$.kind') = 'event' AND json_extract(value, '$.event') = @name)
  RETURNING *`

export const CANCEL = `
  UPDATE zart_executions
  SET status = 'cancelled', error_json = @errorJson, due_at = NULL, lease_owner = NULL,
      lease_expires_at = NULL, wait_event = NULL, wait_until = NULL, waits_json = NULL, updated_at = @now
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

/**
 * Due rows of these workflows; with `@versions`, only of those `workflow@version` pairs (or none recorded).
 * `+workflow` keeps SQLite off the workflow index, which would walk every execution of the
 * workflow ever run (finished ones too) on each poll: the due-time index holds only live rows.
 */
export const SELECT_DUE = `
  SELECT id FROM zart_executions
  WHERE due_at <= @now AND paused = 0 AND +workflow IN (SELECT value FROM json_each(@workflows))
    AND (@versions IS NULL OR workflow_version IS NULL
         OR workflow || '@' || workflow_version IN (SELECT value FROM json_each(@versions)))
  ORDER BY due_at LIMIT @limit`

/**
 * A running row is due again only when its lease expires: the holder enforces the
 * deadline itself, and if it hangs or dies the takeover after expiry finds the deadline
 * passed and times the execution out. Taking over a running row counts in `takeovers`.
 */
export const CLAIM = `
  UPDATE zart_executions
  SET takeovers = takeovers + CASE WHEN status = 'running' THEN 1 ELSE 0 END,
      status = 'running', lease_owner = @workerId, lease_token = lease_token + 1,
      lease_expires_at = @leaseExpiresAt, due_at = @leaseExpiresAt,
      attempt = attempt + 1, wait_event = NULL, wait_until = NULL, waits_json = NULL, updated_at = @now
  WHERE id = @id AND due_at <= @now AND paused = 0
  RETURNING *`

/** The earliest due time of these workflows, through the due-time index (see SELECT_DUE). */
export const NEXT_DUE = `
  SELECT MIN(due_at) AS due FROM zart_executions
  WHERE due_at IS NOT NULL AND paused = 0 AND +workflow IN (SELECT value FROM json_each(?))`

export const HEARTBEAT = `
  UPDATE zart_executions
  SET lease_expires_at = @leaseExpiresAt, due_at = @leaseExpiresAt
  WHERE id = @id AND lease_token = @token AND status = 'running'`

// Group commit: lock (SQLite's write transaction already holds the database), read,
// decide in commit-plan.ts, apply. The same three steps as every other store.

/** The batch's execution rows; the ids are a JSON array. */
export const LOCK_FOR_COMMIT = `SELECT * FROM zart_executions WHERE id IN (SELECT value FROM json_each(?))`

/** Unconsumed events of the executions whose inbox the batch reads, oldest first. */
export const LOCK_INBOX = `
  SELECT seq, execution_id, name, payload_json FROM zart_events
  WHERE execution_id IN (SELECT value FROM json_each(?)) AND consumed_by IS NULL
  ORDER BY seq`

/** A row that stays running: the step reached, progress, the time. */
export const TOUCH_EXECUTION = `
  UPDATE zart_executions
  SET current_step = @current_step, takeovers = @takeovers, progress_json = @progress_json, updated_at = @updated_at
  WHERE id = @id`

/** Writes an execution's changeable columns (rows.ts UPDATED_COLUMNS). */
export const UPDATE_EXECUTION = `
  UPDATE zart_executions
  SET status = @status, current_step = @current_step, output_json = @output_json, error_json = @error_json,
      wait_event = @wait_event, wait_until = @wait_until, waits_json = @waits_json,
      workflow_retries = @workflow_retries, takeovers = @takeovers, progress_json = @progress_json,
      lease_owner = @lease_owner,
      lease_expires_at = @lease_expires_at, due_at = @due_at, updated_at = @updated_at
  WHERE id = @id`

export const UPSERT_STEP = `
  INSERT INTO zart_steps
    (execution_id, step_key, name, kind, status, position, resolved_seq, attempts, output_json, error_json,
     started_at, finished_at, wake_at)
  VALUES (@execution_id, @step_key, @name, @kind, @status, @position, @resolved_seq, @attempts, @output_json,
          @error_json, @started_at, @finished_at, @wake_at)
  ON CONFLICT (execution_id, step_key) DO UPDATE SET
    status = excluded.status, position = COALESCE(excluded.position, position),
    resolved_seq = excluded.resolved_seq, attempts = excluded.attempts, output_json = excluded.output_json,
    error_json = excluded.error_json, finished_at = excluded.finished_at, wake_at = excluded.wake_at`

export const CONSUME_EVENT = `UPDATE zart_events SET consumed_by = ? WHERE seq = ?`

/** Params: id, host, pid, workflows, lease, started, last seen, scope. */
export const UPSERT_WORKER = `
  INSERT INTO zart_workers (id, host, pid, workflows_json, lease_ms, started_at, last_seen_at, scope)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET workflows_json = excluded.workflows_json, lease_ms = excluded.lease_ms,
    last_seen_at = excluded.last_seen_at`

/** Workers not heard of for ten of their lease periods are gone for good. Param: now. */
export const FORGET_WORKERS = `DELETE FROM zart_workers WHERE last_seen_at + 10 * lease_ms < ?`

/** Param: now. */
export const LIVE_WORKERS = `SELECT * FROM zart_workers WHERE last_seen_at + lease_ms >= ? ORDER BY started_at, id`

export const DELETE_WORKER = `DELETE FROM zart_workers WHERE id = ?`

/** A dead worker's running executions become due now. Params: now (x2), worker, now. */
export const EXPIRE_LEASES_OF = `
  UPDATE zart_executions SET lease_expires_at = ?, due_at = ?
  WHERE status = 'running' AND lease_owner = ? AND lease_expires_at > ?`

/** Pause or resume an unfinished execution. Params: paused (0/1), now, id. */
export const SET_PAUSED = `
  UPDATE zart_executions SET paused = ?, updated_at = ?
  WHERE id = ? AND status IN ('pending', 'running', 'waiting')
  RETURNING *`

/** Failed steps and timed-out waits go, so a retried execution runs them again. */
export const DELETE_FAILED_STEPS = `DELETE FROM zart_steps WHERE execution_id = ? AND status = 'failed'`

/** A failed, timed-out or cancelled execution runs again. */
export const RETRY = `
  UPDATE zart_executions
  SET status = 'pending', due_at = @now, output_json = NULL, error_json = NULL, waits_json = NULL, wait_event = NULL,
      wait_until = NULL, lease_owner = NULL, lease_expires_at = NULL, takeovers = 0, paused = 0,
      deadline_at = @deadline, updated_at = @now
  WHERE id = @id AND status IN ('failed', 'timed_out', 'cancelled')
  RETURNING *`

export const INSERT_TASK = `
  INSERT INTO zart_tasks (id, execution_id, owner, ttl_ms, created_at) VALUES (?, ?, ?, ?, ?)`

/** A task whose execution still exists (pruning an execution ends its task). Params: id, owner. */
export const SELECT_TASK = `
  SELECT t.* FROM zart_tasks t JOIN zart_executions e ON e.id = t.execution_id
  WHERE t.id = ? AND t.owner = ?`

/** An owner's tasks, newest first. */
export const LIST_TASKS = `
  SELECT t.* FROM zart_tasks t JOIN zart_executions e ON e.id = t.execution_id
  WHERE t.owner = @owner AND (@before IS NULL OR t.seq < @before)
  ORDER BY t.seq DESC
  LIMIT @limit`

export const SET_RERUN_OF = `UPDATE zart_executions SET rerun_of = @from WHERE id = @id`

/** The recorded steps of @from before durable point @before, copied to @to in their order. */
export const COPY_STEPS = `
  INSERT INTO zart_steps (execution_id, step_key, name, kind, status, position, resolved_seq, attempts, output_json, error_json, started_at, finished_at, wake_at)
  SELECT @to, step_key, name, kind, status, position, resolved_seq, attempts, output_json, error_json, started_at, finished_at, wake_at
  FROM zart_steps WHERE execution_id = @from AND position IS NOT NULL AND position < @before
  ORDER BY rowid`
