/**
 * The SQL the SQLite adapter runs, one named statement per operation.
 *
 * A bare parameter as LIMIT (`LIMIT ?`) lets SQLite use its value when planning, so each new
 * binding expires the statement and the next run prepares it again (measured: 20 µs, not 3,
 * for the children read of every status). `LIMIT CAST(? AS INTEGER)` is not read at
 * planning time, and is what every LIMIT here uses.
 */

/** Whether `migrate()` ever ran here: `migrationStatus()` must not create the table to find out. */
export const MIGRATIONS_TABLE_EXISTS = `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'zart_migrations'`

export const SELECT_MIGRATIONS = `SELECT name FROM zart_migrations`

export const SELECT_EXECUTION = `SELECT * FROM zart_executions WHERE id = ?`

export const SELECT_BY_IDEMPOTENCY_KEY = `SELECT * FROM zart_executions WHERE idempotency_key = ?`

export const INSERT_EXECUTION = `
  INSERT INTO zart_executions
    (id, workflow, workflow_version, status, input_json, idempotency_key, deadline_at, due_at, created_at,
     updated_at, lease_owner, lease_token, lease_expires_at, attempt, trace_parent, queue, concurrency_key,
     priority, dedupe_key, dedupe_until)
  VALUES (@id, @workflow, @version, @status, @inputJson, @idempotencyKey, @deadlineAt, @dueAt, @now,
          @now, @leaseOwner, @leaseToken, @leaseExpiresAt, @attempt, @traceParent, @queue, @concurrencyKey,
          @priority, @dedupeKey, @dedupeUntil)
  RETURNING *`

/**
 * A dedupe key whose window closed, or whose execution is no longer pending (a cancel of
 * it or of its parent writes the whole row and leaves the key), is given up, so a new
 * schedule may take it.
 */
export const RELEASE_DEDUPE = `
  UPDATE zart_executions SET dedupe_key = NULL, dedupe_until = NULL
  WHERE workflow = @workflow AND dedupe_key = @key AND (dedupe_until <= @now OR status <> 'pending')`

export const SELECT_BY_DEDUPE = `SELECT * FROM zart_executions WHERE workflow = @workflow AND dedupe_key = @key`

export const SELECT_STEPS = `SELECT * FROM zart_steps WHERE execution_id = ? ORDER BY rowid`

export const LIST_EXECUTIONS = `
  SELECT * FROM zart_executions
  WHERE (@status IS NULL OR status = @status)
    AND (@workflow IS NULL OR workflow = @workflow)
    AND (@before IS NULL OR seq < @before)
  ORDER BY seq DESC
  LIMIT CAST(@limit AS INTEGER)`

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

/**
 * What a cancel reads (see cancel-plan.ts): the execution, its parent, and every
 * execution below it through children not started detached.
 */
export const CANCEL_TREE = `
  WITH RECURSIVE tree (id) AS (
    SELECT id FROM zart_executions WHERE id = @id
    UNION
    SELECT e.id FROM zart_executions e JOIN tree ON e.parent_id = tree.id WHERE e.detached = 0
  )
  SELECT * FROM zart_executions
  WHERE id IN (SELECT id FROM tree) OR id = (SELECT parent_id FROM zart_executions WHERE id = @id)`

/** The children of an execution, oldest first. */
export const LIST_CHILDREN = `SELECT * FROM zart_executions WHERE parent_id = ? ORDER BY seq LIMIT CAST(? AS INTEGER)`

/** Terminal executions to prune, oldest first; the status list is a JSON array. */
export const SELECT_PRUNABLE = `
  SELECT id FROM zart_executions
  WHERE updated_at < @before
    AND status IN (SELECT value FROM json_each(@statuses))
    AND status IN ('completed', 'failed', 'cancelled', 'timed_out')
  ORDER BY seq LIMIT CAST(@limit AS INTEGER)`

export const DELETE_STEPS = `DELETE FROM zart_steps WHERE execution_id = ?`

export const DELETE_EVENTS = `DELETE FROM zart_events WHERE execution_id = ?`

export const DELETE_EXECUTION = `DELETE FROM zart_executions WHERE id = ?`

const VERSIONS = `(@versions IS NULL OR workflow_version IS NULL
         OR workflow || '@' || workflow_version IN (SELECT value FROM json_each(@versions)))`

/**
 * Whether anything is due for these workflows (a cheap look before the write lock): rows
 * outside queues (`plain`; with `@versions`, only of those `workflow@version` pairs or of
 * none recorded) and rows in queues (`queued`, whose limits the claim then reads). The
 * indexes are named: without statistics SQLite preferred the workflow index, which reads
 * every row of the workflow, finished ones too, on every poll.
 */
export const ANY_DUE = `
  SELECT EXISTS (SELECT 1 FROM zart_executions INDEXED BY zart_executions_due
                 WHERE due_at <= @now AND queue IS NULL AND paused = 0
                   AND workflow IN (SELECT value FROM json_each(@workflows)) AND ${VERSIONS}) AS plain,
         EXISTS (SELECT 1 FROM zart_executions INDEXED BY zart_executions_queue_due
                 WHERE queue IS NOT NULL AND due_at <= @now) AS queued`

/** Due rows outside queues, of these workflows (and versions): the claim's fast path. */
export const SELECT_DUE_UNQUEUED = `
  SELECT id FROM zart_executions INDEXED BY zart_executions_due
  WHERE due_at <= @now AND paused = 0 AND queue IS NULL AND workflow IN (SELECT value FROM json_each(@workflows))
    AND ${VERSIONS}
  ORDER BY due_at LIMIT CAST(@limit AS INTEGER)`

/**
 * The queues with due executions, one index probe per queue (a skip scan: the backlog a
 * limit holds back is not read). Workflows and versions are the candidates' filter.
 */
export const DUE_QUEUES = `
  WITH RECURSIVE due(queue) AS (
    SELECT (SELECT MIN(queue) FROM zart_executions INDEXED BY zart_executions_queue_due
            WHERE queue IS NOT NULL AND due_at <= @now)
    UNION ALL
    SELECT (SELECT MIN(e.queue) FROM zart_executions e INDEXED BY zart_executions_queue_due
            WHERE e.queue > due.queue AND e.due_at <= @now)
    FROM due WHERE due.queue IS NOT NULL
  )
  SELECT queue FROM due WHERE queue IS NOT NULL`

/** Stored limits of the queues named in a JSON array. */
export const SELECT_QUEUES_IN = `SELECT * FROM zart_queues WHERE name IN (SELECT value FROM json_each(?)) ORDER BY name`

/** Running executions per queue, of the queues named in a JSON array. */
export const RUNNING_PER_QUEUE = `
  SELECT queue, COUNT(*) AS running FROM zart_executions
  WHERE queue IN (SELECT value FROM json_each(?)) AND status = 'running'
  GROUP BY queue`

/** First starts of a queue after a time, and the earliest. Params: queue, after. */
export const STARTS_SINCE = `
  SELECT COUNT(*) AS starts, MIN(started_at) AS oldest FROM zart_executions WHERE queue = ? AND started_at > ?`

/**
 * Due executions of one queue in claim order (priority, then due time, then scheduling
 * order: the index's own order, so the scan stops at @limit), each with how many of its
 * key run now. Rows whose key is at its limit are skipped here already, so a busy key does
 * not hide the others behind it.
 */
export const QUEUE_CANDIDATES = `
  SELECT e.id, e.queue, e.concurrency_key, e.status, e.started_at, e.priority, e.due_at, e.seq,
         (SELECT COUNT(*) FROM zart_executions r
          WHERE r.queue = e.queue AND r.concurrency_key = e.concurrency_key AND r.status = 'running') AS key_running
  FROM zart_executions e INDEXED BY zart_executions_queue_due
  WHERE e.queue = @queue AND e.due_at <= @now AND e.paused = 0
    AND e.workflow IN (SELECT value FROM json_each(@workflows)) AND ${VERSIONS.replaceAll('workflow', 'e.workflow')}
    AND (e.status = 'running' OR e.concurrency_key IS NULL OR @keyConcurrency IS NULL
         OR (SELECT COUNT(*) FROM zart_executions r
             WHERE r.queue = e.queue AND r.concurrency_key = e.concurrency_key AND r.status = 'running') < @keyConcurrency)
  ORDER BY e.priority DESC, e.due_at, e.seq
  LIMIT CAST(@limit AS INTEGER)`

/**
 * Of a full queue only takeovers are worth reading: running rows whose lease ran out
 * (they hold their slot already), found among the running rows, not the whole backlog.
 */
export const QUEUE_TAKEOVERS = `
  SELECT e.id, e.queue, e.concurrency_key, e.status, e.started_at, e.priority, e.due_at, e.seq, 0 AS key_running
  FROM zart_executions e INDEXED BY zart_executions_queue_running
  WHERE e.queue = @queue AND e.status = 'running' AND e.due_at <= @now AND e.paused = 0
    AND e.workflow IN (SELECT value FROM json_each(@workflows)) AND ${VERSIONS.replaceAll('workflow', 'e.workflow')}
  LIMIT CAST(@limit AS INTEGER)`

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
      attempt = attempt + 1, wait_event = NULL, wait_until = NULL, waits_json = NULL, updated_at = @now,
      started_at = COALESCE(started_at, @now), dedupe_key = NULL, dedupe_until = NULL
  WHERE id = @id AND due_at <= @now AND paused = 0
  RETURNING *`

export const NEXT_DUE = `
  SELECT MIN(due_at) AS due FROM zart_executions INDEXED BY zart_executions_due
  WHERE due_at IS NOT NULL AND paused = 0 AND queue IS NULL AND workflow IN (SELECT value FROM json_each(?))`

/**
 * For metrics, per workflow: rows due now that no live lease holds (the two due-at
 * indexes: outside queues and in them; a row is in one only) and suspended ones (the
 * status index), one output row per workflow with either. Each due or waiting row is read
 * once for its workflow (the due ones were already, for `paused`). The queued branch names
 * its index: the planner, without statistics, took the queue start-time index, which holds
 * every queued row ever run. Read at scrape time, never per step.
 */
export const QUEUE_DEPTH = `
  SELECT workflow, COUNT(due_at) AS due, MIN(due_at) AS oldest, COUNT(*) - COUNT(due_at) AS waiting FROM (
    SELECT workflow, due_at FROM zart_executions INDEXED BY zart_executions_due
    WHERE queue IS NULL AND due_at <= @now AND paused = 0
    UNION ALL
    SELECT workflow, due_at FROM zart_executions INDEXED BY zart_executions_queue_due
    WHERE queue IS NOT NULL AND due_at <= @now AND paused = 0
    UNION ALL
    SELECT workflow, NULL FROM zart_executions WHERE status = 'waiting')
  GROUP BY workflow`

export const HEARTBEAT = `
  UPDATE zart_executions
  SET lease_expires_at = @leaseExpiresAt, due_at = @leaseExpiresAt
  WHERE id = @id AND lease_token = @token AND status = 'running'`

// Group commit: lock (SQLite's write transaction already holds the database), read,
// decide in commit-plan.ts, apply. The same three steps as every other store.

/** The batch's execution rows; the ids are a JSON array. */
export const LOCK_FOR_COMMIT = `SELECT * FROM zart_executions WHERE id IN (SELECT value FROM json_each(?))`

/**
 * The unfinished executions under the batch's finishing ones (a JSON array), through
 * children not started detached and not finished: the parent close policy cancels them.
 */
export const LOCK_CLOSING = `
  WITH RECURSIVE tree (id) AS (
    SELECT id FROM zart_executions
    WHERE parent_id IN (SELECT value FROM json_each(?)) AND detached = 0
      AND status NOT IN ('completed', 'failed', 'cancelled', 'timed_out')
    UNION
    SELECT e.id FROM zart_executions e JOIN tree ON e.parent_id = tree.id
    WHERE e.detached = 0 AND e.status NOT IN ('completed', 'failed', 'cancelled', 'timed_out')
  )
  SELECT * FROM zart_executions WHERE id IN (SELECT id FROM tree)`

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

/** A child started by its parent's commit; an id already taken is left alone (the plan saw it). */
export const INSERT_CHILD = `
  INSERT INTO zart_executions
    (id, workflow, workflow_version, input_json, deadline_at, parent_id, parent_key, detached, queue,
     priority, status, due_at, created_at, updated_at)
  VALUES (@id, @workflow, @workflow_version, @input_json, @deadline_at, @parent_id, @parent_key, @detached, @queue,
          @priority, 'pending', @created_at, @created_at, @created_at)
  ON CONFLICT (id) DO NOTHING`

/** A child's end, into its parent's inbox. */
export const INSERT_INBOX_EVENT = `
  INSERT INTO zart_events (execution_id, name, payload_json, created_at, consumed_by)
  VALUES (@execution_id, @name, @payload_json, @created_at, @consumed_by)`

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
  LIMIT CAST(@limit AS INTEGER)`

export const SET_RERUN_OF = `UPDATE zart_executions SET rerun_of = @from WHERE id = @id`

/** The recorded steps of @from before durable point @before, copied to @to in their order. */
export const COPY_STEPS = `
  INSERT INTO zart_steps (execution_id, step_key, name, kind, status, position, resolved_seq, attempts, output_json, error_json, started_at, finished_at, wake_at)
  SELECT @to, step_key, name, kind, status, position, resolved_seq, attempts, output_json, error_json, started_at, finished_at, wake_at
  FROM zart_steps WHERE execution_id = @from AND position IS NOT NULL AND position < @before
  ORDER BY rowid`

/** Params: name, concurrency, key concurrency, rate limit, rate period, now. */
export const UPSERT_QUEUE = `
  INSERT INTO zart_queues (name, concurrency, key_concurrency, rate_limit, rate_period_ms, updated_at)
  VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (name) DO UPDATE SET concurrency = excluded.concurrency, key_concurrency = excluded.key_concurrency,
    rate_limit = excluded.rate_limit, rate_period_ms = excluded.rate_period_ms, updated_at = excluded.updated_at`

export const LIST_QUEUES = `SELECT * FROM zart_queues ORDER BY name`

export const SELECT_QUEUE = `SELECT * FROM zart_queues WHERE name = ?`

/**
 * Where execution @id stands in its queue: running counts, and the due executions claimed
 * before it (higher priority, or the same and due earlier). Params: id, now.
 */
export const QUEUE_STANDING = `
  SELECT
    (SELECT COUNT(*) FROM zart_executions r WHERE r.queue = e.queue AND r.status = 'running') AS running,
    (SELECT COUNT(*) FROM zart_executions r
     WHERE r.queue = e.queue AND r.concurrency_key = e.concurrency_key AND r.status = 'running') AS key_running,
    (SELECT COUNT(*) FROM zart_executions r
     WHERE r.queue = e.queue AND r.id <> e.id AND r.due_at <= @now AND r.status <> 'running' AND r.paused = 0
       AND (r.priority > e.priority OR (r.priority = e.priority AND (r.due_at < e.due_at OR (r.due_at = e.due_at AND r.seq < e.seq))))) AS ahead_in_queue,
    (SELECT COUNT(*) FROM zart_executions r
     WHERE r.queue = e.queue AND r.concurrency_key = e.concurrency_key AND r.id <> e.id AND r.due_at <= @now
       AND r.status <> 'running' AND r.paused = 0
       AND (r.priority > e.priority OR (r.priority = e.priority AND (r.due_at < e.due_at OR (r.due_at = e.due_at AND r.seq < e.seq))))) AS ahead_on_key,
    e.queue AS queue
  FROM zart_executions e WHERE e.id = @id AND e.queue IS NOT NULL`
