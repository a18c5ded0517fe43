/**
 * The SQL the MySQL adapter runs, one named statement per operation. Placeholders are
 * `?`, filled and escaped by mysql2 (arrays expand to lists for `IN (?)`). Several
 * statements are often sent in one round trip (the pool enables multiple statements);
 * every value still goes through a placeholder.
 */

import { NEW_ROW_COLUMNS } from '../initial-state.ts'
import { CHILD_COLUMNS, INBOX_EVENT_COLUMNS, STEP_COLUMNS, UPDATED_COLUMNS } from '../rows.ts'

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
  INSERT INTO zart_executions (${NEW_ROW_COLUMNS})
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

/**
 * A dedupe key whose window closed, or whose execution is no longer pending (a cancel of
 * it or of its parent writes the whole row and leaves the key), is given up, so a new
 * schedule may take it. Params: workflow, key, now.
 */
export const RELEASE_DEDUPE = `
  UPDATE zart_executions SET dedupe_key = NULL, dedupe_until = NULL
  WHERE workflow = ? AND dedupe_key = ? AND (dedupe_until <= ? OR status <> 'pending')`

/** Params: workflow, key. */
export const SELECT_BY_DEDUPE = `SELECT * FROM zart_executions WHERE workflow = ? AND dedupe_key = ?`

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

/**
 * Stores a delivered event unless its execution is finished or its id was stored before:
 * with LOCK_EXECUTION first (which keeps deliveries to one execution apart), the whole
 * delivery is one round trip. Params: execution id, name, event id, payload, now,
 * execution id, execution id, event id.
 */
export const INSERT_EVENT = `
  INSERT INTO zart_events (execution_id, name, event_id, payload_json, created_at)
  SELECT ?, ?, ?, ?, ? FROM zart_executions
  WHERE id = ? AND status NOT IN ('completed', 'failed', 'cancelled', 'timed_out')
    AND NOT EXISTS (SELECT 1 FROM zart_events WHERE execution_id = ? AND event_id = ?)`

/** Right after INSERT_EVENT: whether it stored the event, for WAKE_WAITER in the same round trip. */
export const NOTE_STORED = `SET @zart_stored = ROW_COUNT()`

/** An event just stored (see INSERT_EVENT) for any of the waits of a suspended execution makes it due at once. */
export const WAKE_WAITER = `
  UPDATE zart_executions SET status = 'pending', due_at = ?, updated_at = ?
  WHERE id = ? AND status = 'waiting' AND JSON_CONTAINS(waits_json, JSON_OBJECT('kind', 'event', 'event', ?))
    AND @zart_stored > 0`

/**
 * What a cancel locks and reads (see cancel-plan.ts): the execution, its parent, and every
 * execution below it through children not started detached, in id order (the lock order
 * of group commit). Params: id (x2).
 */
export const CANCEL_TREE = `
  WITH RECURSIVE tree (id) AS (
    SELECT id FROM zart_executions WHERE id = ?
    UNION
    SELECT e.id FROM zart_executions e JOIN tree ON e.parent_id = tree.id WHERE e.detached = 0
  )
  SELECT * FROM zart_executions
  WHERE id IN (SELECT id FROM tree) OR id = (SELECT parent_id FROM (SELECT parent_id FROM zart_executions WHERE id = ?) p)
  ORDER BY id
  FOR UPDATE`

/** The children of an execution, oldest first. Params: parent, limit. */
export const LIST_CHILDREN = `SELECT * FROM zart_executions WHERE parent_id = ? ORDER BY seq LIMIT ?`

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

/**
 * Which versions a claim takes: with the flag set, only rows of the listed
 * `workflow@version` pairs, or of none recorded. Params: flag, versions (a list, never empty).
 */
const VERSIONS = `(? = 0 OR workflow_version IS NULL OR CONCAT(workflow, '@', workflow_version) IN (?))`

/**
 * A cheap look before taking any lock: most polls find nothing. `queue` says whether the
 * row found is in a queue (then the queued claim looks further).
 */
export const ANY_DUE = `
  SELECT EXISTS (SELECT 1 FROM zart_executions
                 WHERE due_at <= ? AND paused = 0 AND queue IS NULL AND workflow IN (?) AND ${VERSIONS}) AS plain,
         EXISTS (SELECT 1 FROM zart_executions
                 WHERE queue_due <= ? AND paused = 0 AND workflow IN (?)) AS queued`

/** Rows another worker is claiming or committing are skipped, not waited for. Rows in queues are left to the queued claim. */
export const LOCK_DUE = `
  SELECT id FROM zart_executions
  WHERE due_at <= ? AND paused = 0 AND queue IS NULL AND workflow IN (?) AND ${VERSIONS}
  ORDER BY due_at
  LIMIT ?
  FOR UPDATE SKIP LOCKED`

/**
 * A running row is due again only when its lease expires: the holder enforces the
 * deadline, and a takeover after expiry finds it passed (and counts in `takeovers`, set
 * first: MySQL's SET sees the columns assigned before it). Params: worker, lease expiry
 * (x2), now, ids.
 */
export const CLAIM = `
  UPDATE zart_executions
  SET takeovers = takeovers + CASE WHEN status = 'running' THEN 1 ELSE 0 END,
      status = 'running', lease_owner = ?, lease_token = lease_token + 1, lease_expires_at = ?, due_at = ?,
      attempt = attempt + 1, wait_event = NULL, wait_until = NULL, waits_json = NULL, updated_at = ?,
      started_at = COALESCE(started_at, updated_at), dedupe_key = NULL, dedupe_until = NULL
  WHERE id IN (?)`

/** The queues with due executions (workflows and versions are the candidates' filter). Params: now. */
export const DUE_QUEUES = `SELECT DISTINCT queue FROM zart_executions WHERE queue_due <= ?`

/**
 * Locks the queues' rows, in name order: claimers of one queue take turns, so each reads
 * counts that include every claim made before it (READ COMMITTED: each later statement
 * reads what committed before it started). Params: queue names.
 */
export const LOCK_QUEUES = `SELECT * FROM zart_queues WHERE name IN (?) ORDER BY name FOR UPDATE`

export const SELECT_QUEUES = `SELECT * FROM zart_queues WHERE name IN (?)`

/** Running executions per queue. Params: queue names. */
export const RUNNING_PER_QUEUE = `
  SELECT queue, COUNT(*) AS running FROM zart_executions WHERE queue IN (?) AND status = 'running' GROUP BY queue`

/** First starts of a queue after a time, and the earliest. Params: queue, after. */
export const STARTS_SINCE = `
  SELECT COUNT(*) AS starts, MIN(started_at) AS oldest FROM zart_executions WHERE queue = ? AND started_at > ?`

/**
 * Due executions of one queue in claim order (priority, then due time, then scheduling
 * order), each with how many of its key run now. Rows whose key is at its limit are
 * skipped here already, so a busy key does not hide the others behind it; of a full queue
 * (flag 1), only takeovers (expired leases). Params: queue, full flag, now, workflows,
 * versions (2), key limit (x2), limit.
 */
const QUEUE_CANDIDATES_OF_ONE = `
  (SELECT e.id, e.queue, e.concurrency_key, e.status, e.started_at, e.priority, e.due_at, e.seq,
     (SELECT COUNT(*) FROM zart_executions r
      WHERE r.queue = e.queue AND r.concurrency_key = e.concurrency_key AND r.status = 'running') AS key_running
   FROM zart_executions e
   WHERE e.queue = ? AND (? = 0 OR e.status = 'running') AND e.due_at <= ? AND e.paused = 0
     AND e.workflow IN (?) AND ${VERSIONS.replaceAll('workflow', 'e.workflow')}
     AND (e.status = 'running' OR e.concurrency_key IS NULL OR ? IS NULL
          OR (SELECT COUNT(*) FROM zart_executions r
              WHERE r.queue = e.queue AND r.concurrency_key = e.concurrency_key AND r.status = 'running') < ?)
   ORDER BY e.priority DESC, e.due_at, e.seq
   LIMIT ?)`

/** QUEUE_CANDIDATES_OF_ONE for `n` queues in one statement. */
export const queueCandidates = (n: number): string =>
  Array.from({ length: n }, () => QUEUE_CANDIDATES_OF_ONE).join(' UNION ALL ')

/** Claims the admitted queued rows, if still due and not paused. Params: as CLAIM, then now. */
export const CLAIM_QUEUED = `
  UPDATE zart_executions
  SET takeovers = takeovers + CASE WHEN status = 'running' THEN 1 ELSE 0 END,
      status = 'running', lease_owner = ?, lease_token = lease_token + 1, lease_expires_at = ?, due_at = ?,
      attempt = attempt + 1, wait_event = NULL, wait_until = NULL, waits_json = NULL, updated_at = ?,
      started_at = COALESCE(started_at, updated_at), dedupe_key = NULL, dedupe_until = NULL
  WHERE id IN (?) AND due_at <= ? AND paused = 0`

/** Params: name, concurrency, key concurrency, rate limit, rate period, now. */
export const UPSERT_QUEUE = `
  INSERT INTO zart_queues (name, concurrency, key_concurrency, rate_limit, rate_period_ms, updated_at)
  VALUES (?, ?, ?, ?, ?, ?)
  ON DUPLICATE KEY UPDATE concurrency = VALUES(concurrency), key_concurrency = VALUES(key_concurrency),
    rate_limit = VALUES(rate_limit), rate_period_ms = VALUES(rate_period_ms), updated_at = VALUES(updated_at)`

export const LIST_QUEUES = `SELECT * FROM zart_queues ORDER BY name`

/** Where an execution stands in its queue (see the SQLite adapter's). Params: now (x2), id. */
export const QUEUE_STANDING = `
  SELECT
    (SELECT COUNT(*) FROM zart_executions r WHERE r.queue = e.queue AND r.status = 'running') AS running,
    (SELECT COUNT(*) FROM zart_executions r
     WHERE r.queue = e.queue AND r.concurrency_key = e.concurrency_key AND r.status = 'running') AS key_running,
    (SELECT COUNT(*) FROM zart_executions r
     WHERE r.queue = e.queue AND r.id <> e.id AND r.due_at <= ? AND r.status <> 'running' AND r.paused = 0
       AND (r.priority > e.priority OR (r.priority = e.priority AND (r.due_at < e.due_at OR (r.due_at = e.due_at AND r.seq < e.seq))))) AS ahead_in_queue,
    (SELECT COUNT(*) FROM zart_executions r
     WHERE r.queue = e.queue AND r.concurrency_key = e.concurrency_key AND r.id <> e.id AND r.due_at <= ?
       AND r.status <> 'running' AND r.paused = 0
       AND (r.priority > e.priority OR (r.priority = e.priority AND (r.due_at < e.due_at OR (r.due_at = e.due_at AND r.seq < e.seq))))) AS ahead_on_key,
    e.queue AS queue
  FROM zart_executions e WHERE e.id = ? AND e.queue IS NOT NULL`

export const SELECT_EXECUTIONS_IN = `SELECT * FROM zart_executions WHERE id IN (?)`

export const SELECT_STEPS_IN = `SELECT * FROM zart_steps WHERE execution_id IN (?) ORDER BY seq`

export const NEXT_DUE = `
  SELECT MIN(due_at) AS due FROM zart_executions WHERE due_at IS NOT NULL AND paused = 0 AND queue IS NULL AND workflow IN (?)`

/**
 * For metrics, per workflow: rows due now that no live lease holds (the due-at index) and
 * suspended ones (the status index), one output row per workflow with either. Each due or
 * waiting row is read once for its workflow (the due ones were already, for `paused`).
 * Read at scrape time, never per step. Params: now.
 */
export const QUEUE_DEPTH = `
  SELECT workflow, COUNT(due_at) AS due, MIN(due_at) AS oldest, COUNT(*) - COUNT(due_at) AS waiting FROM (
    SELECT workflow, due_at FROM zart_executions WHERE due_at <= ? AND paused = 0
    UNION ALL
    SELECT workflow, NULL FROM zart_executions WHERE status = 'waiting') AS depth
  GROUP BY workflow`

/** Params: lease expiry (x2), id, token. */
export const HEARTBEAT = `
  UPDATE zart_executions
  SET lease_expires_at = ?, due_at = ?
  WHERE id = ? AND lease_token = ? AND status = 'running'`

// Group commit (commit.ts): lock and read, decide in commit-plan.ts, apply.

/**
 * Locks the executions of a batch in id order (the store's lockOrder), so two lockers of
 * overlapping sets cannot deadlock. The id index is forced: a table scan, which the
 * optimizer may pick for a small table, would lock in insertion order instead.
 */
export const LOCK_FOR_COMMIT = `
  SELECT * FROM zart_executions FORCE INDEX (zart_executions_id) WHERE id IN (?) ORDER BY id FOR UPDATE`

/**
 * The unfinished executions under the batch's finishing ones, through children not
 * started detached and not finished, locked in id order after the batch's rows: the
 * parent close policy cancels them in the same commit. Params: the finishing ids.
 */
export const LOCK_CLOSING = `
  WITH RECURSIVE tree (id) AS (
    SELECT id FROM zart_executions
    WHERE parent_id IN (?) AND detached = 0 AND status NOT IN ('completed', 'failed', 'cancelled', 'timed_out')
    UNION
    SELECT e.id FROM zart_executions e JOIN tree ON e.parent_id = tree.id
    WHERE e.detached = 0 AND e.status NOT IN ('completed', 'failed', 'cancelled', 'timed_out')
  )
  SELECT * FROM zart_executions WHERE id IN (SELECT id FROM tree) ORDER BY id FOR UPDATE`

/** The unconsumed events of executions whose inbox the batch reads, oldest first. */
export const LOCK_INBOX = `
  SELECT seq, execution_id, name, payload_json FROM zart_events
  WHERE execution_id IN (?) AND consumed_by IS NULL
  ORDER BY seq FOR UPDATE`

/**
 * Sets `columns` of `n` locked rows in one statement, each row to its own values.
 * Params: for each column, (id, value) x n; then the ids.
 */
export const updateRows = (n: number, columns: readonly string[]): string => `
  UPDATE zart_executions
  SET ${columns.map((c) => `${c} = CASE id ${'WHEN ? THEN ? '.repeat(n)}ELSE ${c} END`).join(', ')}
  WHERE id IN (?)`

/** The columns of a row that stays running, in the order TOUCHED_VALUES gives them. */
export const TOUCHED_COLUMN_ORDER = ['current_step', 'takeovers', 'progress_json', 'updated_at'] as const

/** Upserts `n` step rows, in order. */
export const upsertSteps = (n: number): string => `
  INSERT INTO zart_steps
    (${STEP_COLUMNS.join(', ')})
  VALUES ${Array.from({ length: n }, () => `(${STEP_COLUMNS.map(() => '?').join(', ')})`).join(', ')}
  ${STEP_UPDATE}`

/** The ON DUPLICATE KEY clause of a step upsert: a step written again keeps its first position. */
const STEP_UPDATE = `ON DUPLICATE KEY UPDATE
    status = VALUES(status), position = COALESCE(VALUES(position), position), resolved_seq = VALUES(resolved_seq),
    attempts = VALUES(attempts), output_json = VALUES(output_json), error_json = VALUES(error_json),
    finished_at = VALUES(finished_at), wake_at = VALUES(wake_at)`

// A commit of one execution this store holds (see src/storage/known-rows.ts), in one round
// trip: the fenced update of its row, then what else it writes only if that update found
// the row as known (@zart_fenced, the rows it matched). The update is held to the id
// index, as LOCK_FOR_COMMIT is: the status index is a candidate too, and a scan of it would
// lock, or wait for, other running rows.

/** A row that stays running. Params: TOUCHED_COLUMN_ORDER's values, then id and lease token. */
export const KNOWN_TOUCH = `
  UPDATE zart_executions FORCE INDEX (zart_executions_id) SET ${TOUCHED_COLUMN_ORDER.map((c) => `${c} = ?`).join(', ')}
  WHERE id = ? AND status = 'running' AND lease_token = ? AND paused = 0`

/**
 * Before KNOWN_MOVE: its unfinished children started attached, which a finish would have to
 * close. A plain read (children start only in their parent's own commits): written as
 * SET @x = (SELECT …), the server takes locks for it and waits on a child's commit. Param: id.
 */
export const OPEN_CHILDREN = `
  SELECT COUNT(*) INTO @zart_open FROM zart_executions
  WHERE parent_id = ? AND detached = 0 AND status NOT IN ('completed', 'failed', 'cancelled', 'timed_out')`

/** A row that stops running, if it has no open children. Params: UPDATED_COLUMNS' values, then id and lease token. */
export const KNOWN_MOVE = `
  UPDATE zart_executions FORCE INDEX (zart_executions_id) SET ${UPDATED_COLUMNS.map((c) => `${c} = ?`).join(', ')}
  WHERE id = ? AND status = 'running' AND lease_token = ? AND paused = 0 AND @zart_open = 0`

export const NOTE_FENCED = `SET @zart_fenced = ROW_COUNT()`

/** One step row, written only if the fence held. Params: STEP_COLUMNS' values. */
export const KNOWN_STEP = `
  INSERT INTO zart_steps (${STEP_COLUMNS.join(', ')})
  SELECT ${STEP_COLUMNS.map(() => '?').join(', ')} FROM DUAL WHERE @zart_fenced = 1
  ${STEP_UPDATE}`

export const CONSUME_EVENT = `UPDATE zart_events SET consumed_by = ? WHERE seq = ?`

/** Inserts `n` children started by their parents' commits; an id already taken is left alone (the plan saw it). */
export const insertChildren = (n: number): string => `
  INSERT INTO zart_executions (${CHILD_COLUMNS.join(', ')}, status, due_at, updated_at)
  VALUES ${Array.from({ length: n }, () => `(${CHILD_COLUMNS.map(() => '?').join(', ')}, 'pending', ?, ?)`).join(', ')}
  ON DUPLICATE KEY UPDATE id = id`

/** Puts `n` events (children's ends) into their parents' inboxes. */
export const insertInboxEvents = (n: number): string => `
  INSERT INTO zart_events (${INBOX_EVENT_COLUMNS.join(', ')})
  VALUES ${Array.from({ length: n }, () => `(${INBOX_EVENT_COLUMNS.map(() => '?').join(', ')})`).join(', ')}`

/** Params: id, host, pid, workflows, lease, started, last seen, scope. */
export const UPSERT_WORKER = `
  INSERT INTO zart_workers (id, host, pid, workflows_json, lease_ms, started_at, last_seen_at, scope)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON DUPLICATE KEY UPDATE workflows_json = VALUES(workflows_json), lease_ms = VALUES(lease_ms),
    last_seen_at = VALUES(last_seen_at)`

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
  WHERE id = ? AND status IN ('pending', 'running', 'waiting')`

/** A failed, timed-out or cancelled execution runs again. Params: now (x2), deadline, now, id. */
export const RETRY = `
  UPDATE zart_executions
  SET status = 'pending', due_at = ?, output_json = NULL, error_json = NULL, waits_json = NULL, wait_event = NULL,
      wait_until = NULL, lease_owner = NULL, lease_expires_at = NULL, takeovers = 0, paused = 0,
      deadline_at = ?, updated_at = ?
  WHERE id = ? AND status IN ('failed', 'timed_out', 'cancelled')`

/** Failed steps and timed-out waits go, so a retried execution runs them again. */
export const DELETE_FAILED_STEPS = `DELETE FROM zart_steps WHERE execution_id = ? AND status = 'failed'`

export const INSERT_TASK = `
  INSERT INTO zart_tasks (id, execution_id, owner, ttl_ms, created_at) VALUES (?, ?, ?, ?, ?)`

/** A task whose execution still exists (pruning an execution ends its task). Params: id, owner. */
export const SELECT_TASK = `
  SELECT t.* FROM zart_tasks t JOIN zart_executions e ON e.id = t.execution_id
  WHERE t.id = ? AND t.owner = ?`

/** An owner's tasks, newest first. Params: owner, before seq (twice, null for none), limit. */
export const LIST_TASKS = `
  SELECT t.* FROM zart_tasks t JOIN zart_executions e ON e.id = t.execution_id
  WHERE t.owner = ? AND (? IS NULL OR t.seq < ?)
  ORDER BY t.seq DESC
  LIMIT ?`

/** Params: origin, new id. */
export const SET_RERUN_OF = `UPDATE zart_executions SET rerun_of = ? WHERE id = ?`

/** The recorded steps of an origin before a durable point, copied in order. Params: new id, origin, before. */
export const COPY_STEPS = `
  INSERT INTO zart_steps (execution_id, step_key, name, kind, status, position, resolved_seq, attempts, output_json, error_json, started_at, finished_at, wake_at)
  SELECT ?, step_key, name, kind, status, position, resolved_seq, attempts, output_json, error_json, started_at, finished_at, wake_at
  FROM zart_steps WHERE execution_id = ? AND position IS NOT NULL AND position < ?
  ORDER BY seq`

// Wake-ups across processes (see wake-ups.ts). The alias marks a listener's sleep in the
// process list, where WAKE_UP_LISTENERS finds it by its text.

/** A listener's sleep. Params: seconds. */
export const WAKE_UP_SLEEP = `SELECT SLEEP(?) AS zart_wake_up`

/**
 * The other connections on this database, and which of them are asleep in WAKE_UP_SLEEP
 * now (a user sees its own connections). A listener's connection runs nothing else, so one
 * seen asleep once is a listener for as long as it is connected, asleep now or not.
 */
export const WAKE_UP_LISTENERS = `
  SELECT ID AS id, INFO LIKE 'SELECT SLEEP(% AS zart_wake_up' AS asleep FROM information_schema.PROCESSLIST
  WHERE DB = DATABASE() AND ID <> CONNECTION_ID()`

/** Ends the statement a connection runs, not the connection. Params: connection id. */
export const KILL_QUERY = `KILL QUERY ?`
