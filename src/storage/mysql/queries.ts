/**
 * The SQL the MySQL adapter runs, one named statement per operation. Placeholders are
 * `?`, filled and escaped by mysql2 (arrays expand to lists for `IN (?)`). Several
 * statements are often sent in one round trip (the pool enables multiple statements);
 * every value still goes through a placeholder.
 */

export const MIGRATION_LOCK = `SELECT GET_LOCK(CONCAT('zart_migrate:', COALESCE(DATABASE(), '')), 60) AS locked, DATABASE() AS db`

export const MIGRATION_UNLOCK = `SELECT RELEASE_LOCK(CONCAT('zart_migrate:', COALESCE(DATABASE(), '')))`

export const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS zart_migrations (name VARCHAR(191) NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)
  ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`

/** Whether `migrate()` ever ran in this database: `migrationStatus()` must not create the table. */
export const MIGRATIONS_TABLE_EXISTS = `
  SELECT COUNT(*) AS present FROM information_schema.tables
  WHERE table_schema = DATABASE() AND table_name = 'zart_migrations'`

export const SELECT_MIGRATIONS = `SELECT name FROM zart_migrations`

export const INSERT_MIGRATION = `INSERT INTO zart_migrations (name, applied_at) VALUES (?, ?)`

export const SELECT_EXECUTION = `SELECT * FROM zart_executions WHERE id = ?`

export const SELECT_BY_IDEMPOTENCY_KEY = `SELECT * FROM zart_executions WHERE idempotency_key = ?`

export const INSERT_EXECUTION = `
  INSERT INTO zart_executions
    (id, workflow, input_json, idempotency_key, deadline_at, created_at, updated_at,
     status, due_at, lease_owner, lease_token, lease_expires_at, attempt)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

export const SELECT_STEPS = `SELECT * FROM zart_steps WHERE execution_id = ? ORDER BY seq`

export const LIST_EXECUTIONS = `
  SELECT * FROM zart_executions
  WHERE (? IS NULL OR status = ?)
    AND (? IS NULL OR workflow = ?)
    AND (? IS NULL OR seq < ?)
  ORDER BY seq DESC
  LIMIT ?`

/**
 * Locks the execution before an event goes in, so a worker committing a wait on it either
 * finished first (we see `waiting` and wake it) or starts after (it sees the event).
 */
export const LOCK_EXECUTION = `SELECT * FROM zart_executions WHERE id = ? FOR UPDATE`

export const EVENT_EXISTS = `SELECT COUNT(*) AS seen FROM zart_events WHERE execution_id = ? AND event_id = ?`

export const INSERT_EVENT = `
  INSERT INTO zart_events (execution_id, name, event_id, payload_json, created_at) VALUES (?, ?, ?, ?, ?)`

/** An event arriving for the wait in progress makes the execution due at once. */
export const WAKE_WAITER = `
  UPDATE zart_executions SET status = 'pending', due_at = ?, updated_at = ?
  WHERE id = ? AND status = 'waiting' AND wait_event = ?`

export const CANCEL = `
  UPDATE zart_executions
  SET status = 'cancelled', error_json = ?, due_at = NULL, lease_owner = NULL,
      lease_expires_at = NULL, wait_event = NULL, wait_until = NULL, updated_at = ?
  WHERE id = ? AND status IN ('pending', 'running', 'waiting')`

/** A batch of terminal executions to prune, locked; rows held elsewhere wait for a later batch. */
export const LOCK_PRUNABLE = `
  SELECT id FROM zart_executions
  WHERE updated_at < ? AND status IN (?)
    AND status IN ('completed', 'failed', 'cancelled', 'timed_out')
  ORDER BY seq
  LIMIT ?
  FOR UPDATE SKIP LOCKED`

export const DELETE_STEPS_IN = `DELETE FROM zart_steps WHERE execution_id IN (?)`

export const DELETE_EVENTS_IN = `DELETE FROM zart_events WHERE execution_id IN (?)`

export const DELETE_EXECUTIONS_IN = `DELETE FROM zart_executions WHERE id IN (?)`

/** A cheap look before taking any lock: most polls find nothing. */
export const ANY_DUE = `SELECT id FROM zart_executions WHERE due_at <= ? AND workflow IN (?) LIMIT 1`

/** Rows another worker is claiming or committing are skipped, not waited for. */
export const LOCK_DUE = `
  SELECT id FROM zart_executions
  WHERE due_at <= ? AND workflow IN (?)
  ORDER BY due_at
  LIMIT ?
  FOR UPDATE SKIP LOCKED`

/**
 * A running row is due again only when its lease expires: the holder enforces the
 * deadline, and a takeover after expiry finds it passed. Params: worker, lease expiry
 * (x2), now, ids.
 */
export const CLAIM = `
  UPDATE zart_executions
  SET status = 'running', lease_owner = ?, lease_token = lease_token + 1, lease_expires_at = ?, due_at = ?,
      attempt = attempt + 1, wait_event = NULL, wait_until = NULL, updated_at = ?
  WHERE id IN (?)`

export const SELECT_EXECUTIONS_IN = `SELECT * FROM zart_executions WHERE id IN (?)`

export const SELECT_STEPS_IN = `SELECT * FROM zart_steps WHERE execution_id IN (?) ORDER BY seq`

export const NEXT_DUE = `
  SELECT MIN(due_at) AS due FROM zart_executions WHERE due_at IS NOT NULL AND workflow IN (?)`

/** Params: lease expiry (x2), id, token. */
export const HEARTBEAT = `
  UPDATE zart_executions
  SET lease_expires_at = ?, due_at = ?
  WHERE id = ? AND lease_token = ? AND status = 'running'`

// Fenced writes. The first statement of each write is the fence; every later one repeats
// it in its WHERE so that a write whose fence failed changes nothing.
const FENCE = `id = ? AND lease_token = ? AND status = 'running'`

/** Params: current step, now, id, token. Its affected-row count is the write's outcome. */
export const TOUCH_FENCED = `
  UPDATE zart_executions SET current_step = COALESCE(?, current_step), updated_at = ? WHERE ${FENCE}`

/** Picks the wait's event into @ev/@payload. Params: execution, event name, id, token. */
export const PICK_EVENT = `
  SELECT seq, payload_json INTO @ev, @payload FROM zart_events
  WHERE execution_id = ? AND name = ? AND consumed_by IS NULL
    AND EXISTS (SELECT 1 FROM zart_executions WHERE ${FENCE})
  ORDER BY seq LIMIT 1 FOR UPDATE`

export const RESET_EVENT = `SET @ev = NULL, @payload = NULL`

/** Params: step key. */
export const CONSUME_PICKED_EVENT = `UPDATE zart_events SET consumed_by = ? WHERE seq = @ev`

export const SELECT_PICKED_EVENT = `SELECT @ev AS seq, @payload AS payload`

/**
 * Upserts a step row, fenced. For a wait, the status, output, error and finish time
 * depend on whether an event was picked (@ev) or the timeout passed (a parameter).
 * Params: execution, key, name, kind, status, attempts, output, error, started, finished,
 * wake, id, token.
 */
export const UPSERT_STEP = `
  INSERT INTO zart_steps
    (execution_id, step_key, name, kind, status, attempts, output_json, error_json, started_at, finished_at, wake_at)
  SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM zart_executions WHERE ${FENCE}
  ON DUPLICATE KEY UPDATE
    status = VALUES(status), attempts = VALUES(attempts), output_json = VALUES(output_json),
    error_json = VALUES(error_json), finished_at = VALUES(finished_at), wake_at = VALUES(wake_at)`

/** Params: execution, key, name, timed out (bool, x3), error, started, now, wake, id, token. */
export const UPSERT_WAIT_STEP = `
  INSERT INTO zart_steps
    (execution_id, step_key, name, kind, status, attempts, output_json, error_json, started_at, finished_at, wake_at)
  SELECT ?, ?, ?, 'wait',
    CASE WHEN @ev IS NOT NULL THEN 'completed' WHEN ? THEN 'failed' ELSE 'waiting' END,
    1, @payload, CASE WHEN @ev IS NULL AND ? THEN ? END, ?,
    CASE WHEN @ev IS NOT NULL OR ? THEN ? END, ?
  FROM zart_executions WHERE ${FENCE}
  ON DUPLICATE KEY UPDATE
    status = VALUES(status), attempts = VALUES(attempts), output_json = VALUES(output_json),
    error_json = VALUES(error_json), finished_at = VALUES(finished_at), wake_at = VALUES(wake_at)`

/** Params: run at, error, count retry, id, token. */
export const RELEASE_PENDING = `
  UPDATE zart_executions
  SET status = 'pending', due_at = ?, lease_owner = NULL, lease_expires_at = NULL,
      error_json = COALESCE(?, error_json), workflow_retries = workflow_retries + ?
  WHERE ${FENCE}`

/** Params: event, wake (x4), id, token; the wait variant adds "and no event picked, not timed out". */
export const SUSPEND_WAITING = `
  UPDATE zart_executions
  SET status = 'waiting', wait_event = ?, wait_until = ?,
      due_at = CASE WHEN ? IS NULL THEN deadline_at WHEN deadline_at IS NULL THEN ? ELSE LEAST(?, deadline_at) END,
      lease_owner = NULL, lease_expires_at = NULL
  WHERE ${FENCE}`

export const SUSPEND_WAITING_UNLESS_PICKED = `${SUSPEND_WAITING} AND @ev IS NULL AND NOT ?`

/** Params: status, output, error, id, token. */
export const FINISH = `
  UPDATE zart_executions
  SET status = ?, output_json = ?, error_json = ?, due_at = NULL, lease_owner = NULL, lease_expires_at = NULL
  WHERE ${FENCE}`

// The bulk group commit (see bulk-commit.ts): lock the batch's rows, decide in code, then
// apply with a few set-wide statements.

/**
 * Locks the executions of a batch in id order (utf8mb4_bin: the byte order the store's
 * lockOrder uses for zart's ASCII ids), so two lockers of overlapping sets cannot deadlock.
 */
export const LOCK_BATCH = `SELECT id, lease_token, status FROM zart_executions WHERE id IN (?) ORDER BY id FOR UPDATE`

/** The unconsumed events of executions that reach a wait in this batch, oldest first. */
export const LOCK_INBOX = `
  SELECT seq, execution_id, name, payload_json FROM zart_events
  WHERE execution_id IN (?) AND consumed_by IS NULL
  ORDER BY seq FOR UPDATE`

export const CONSUME_EVENT = `UPDATE zart_events SET consumed_by = ? WHERE seq = ?`

/** Sets current step and update time of `n` locked rows. Params: (id, step) x n, (id, now) x n, ids. */
export const touchRows = (n: number): string => `
  UPDATE zart_executions
  SET current_step = CASE id ${'WHEN ? THEN COALESCE(?, current_step) '.repeat(n)}ELSE current_step END,
      updated_at = CASE id ${'WHEN ? THEN ? '.repeat(n)}ELSE updated_at END
  WHERE id IN (?)`

/** Upserts `n` step rows. Params: execution, key, name, kind, status, attempts, output, error, started, finished, wake; x n. */
export const upsertSteps = (n: number): string => `
  INSERT INTO zart_steps
    (execution_id, step_key, name, kind, status, attempts, output_json, error_json, started_at, finished_at, wake_at)
  VALUES ${Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
  ON DUPLICATE KEY UPDATE
    status = VALUES(status), attempts = VALUES(attempts), output_json = VALUES(output_json),
    error_json = VALUES(error_json), finished_at = VALUES(finished_at), wake_at = VALUES(wake_at)`

/** Finishes `n` locked rows. Params: (id, status) x n, (id, output) x n, (id, error) x n, ids. */
export const finishRows = (n: number): string => `
  UPDATE zart_executions
  SET status = CASE id ${'WHEN ? THEN ? '.repeat(n)}ELSE status END,
      output_json = CASE id ${'WHEN ? THEN ? '.repeat(n)}ELSE output_json END,
      error_json = CASE id ${'WHEN ? THEN ? '.repeat(n)}ELSE error_json END,
      due_at = NULL, lease_owner = NULL, lease_expires_at = NULL
  WHERE id IN (?)`
