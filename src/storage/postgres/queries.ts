/**
 * The SQL the PostgreSQL adapter runs, one named statement per operation. Names double
 * as prepared-statement names, so each is parsed once per connection.
 */

import { NEW_ROW_COLUMNS } from '../initial-state.ts'

export interface NamedQuery {
  name: string
  text: string
}

const query = (name: string, text: string): NamedQuery => ({ name: `zart_${name}`, text })

/** Serialises migrators of one schema; released when the transaction ends. */
export const MIGRATION_LOCK = `SELECT pg_advisory_xact_lock(hashtext('zart_migrate:' || COALESCE(current_schema(), '')))`

export const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS zart_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`

/** Whether `migrate()` ever ran in this schema (search path): `migrationStatus()` must not create the table. */
export const MIGRATIONS_TABLE_EXISTS = `SELECT to_regclass('zart_migrations') IS NOT NULL AS present`

export const SELECT_MIGRATIONS = `SELECT name FROM zart_migrations`

export const INSERT_MIGRATION = `INSERT INTO zart_migrations (name, applied_at) VALUES ($1, $2)`

export const SELECT_EXECUTION = query('select_execution', `SELECT * FROM zart_executions WHERE id = $1`)

/**
 * Deletes a batch of terminal executions with their steps and events in one statement;
 * SKIP LOCKED leaves rows another transaction holds for a later batch.
 */
export const PRUNE = query(
  'prune',
  `WITH doomed AS (
     SELECT id FROM zart_executions
     WHERE updated_at < $1 AND status = ANY($2::text[])
       AND status IN ('completed', 'failed', 'cancelled', 'timed_out')
     ORDER BY seq LIMIT $3
     FOR UPDATE SKIP LOCKED
   ), steps AS (
     DELETE FROM zart_steps WHERE execution_id IN (SELECT id FROM doomed)
   ), events AS (
     DELETE FROM zart_events WHERE execution_id IN (SELECT id FROM doomed)
   )
   DELETE FROM zart_executions WHERE id IN (SELECT id FROM doomed) RETURNING id`,
)

export const SELECT_STEPS = query('select_steps', `SELECT * FROM zart_steps WHERE execution_id = $1 ORDER BY seq`)

export const SELECT_STEPS_OF = query(
  'select_steps_of',
  `SELECT * FROM zart_steps WHERE execution_id = ANY($1::text[]) ORDER BY seq`,
)

export const LIST_EXECUTIONS = query(
  'list_executions',
  `SELECT * FROM zart_executions
   WHERE ($1::text IS NULL OR status = $1)
     AND ($2::text IS NULL OR workflow = $2)
     AND ($3::bigint IS NULL OR seq < $3)
   ORDER BY seq DESC
   LIMIT $4`,
)

/** Schedules a batch, in order; one result per input (migration 0003). */
export const CREATE_EXECUTIONS = query('create_executions', `SELECT zart_create_executions($1::jsonb) AS results`)

/** Delivers a batch of events, in order, after locking `$2`'s executions (migration 0003). */
export const DELIVER_EVENTS = query('deliver_events', `SELECT zart_deliver_events($1::jsonb, $2::jsonb) AS results`)

/**
 * What a cancel locks and reads (see cancel-plan.ts): the execution, its parent, and every
 * execution below it through children not started detached, in id order (the lock order
 * of group commit). $1 id.
 */
export const CANCEL_TREE = query(
  'cancel_tree',
  `WITH RECURSIVE tree (id) AS (
     SELECT id FROM zart_executions WHERE id = $1
     UNION
     SELECT e.id FROM zart_executions e JOIN tree ON e.parent_id = tree.id WHERE e.detached = 0
   )
   SELECT * FROM zart_executions
   WHERE id IN (SELECT id FROM tree) OR id = (SELECT parent_id FROM zart_executions WHERE id = $1)
   ORDER BY id
   FOR UPDATE`,
)

/** Applies a cancel: whole rows (cancelled, and a parent woken) and inbox events (migrations 0008, 0014). */
export const APPLY_CANCEL = query(
  'apply_cancel',
  `SELECT zart_apply_commit('[]'::jsonb, $1::jsonb, '[]'::jsonb, '[]'::jsonb), zart_apply_children('[]'::jsonb, $2::jsonb)`,
)

/** The children of an execution, oldest first. $1 parent, $2 limit. */
export const LIST_CHILDREN = query(
  'list_children',
  `SELECT * FROM zart_executions WHERE parent_id = $1 ORDER BY seq LIMIT $2`,
)

/**
 * Claims a batch in one statement: rows another worker is claiming or committing are
 * skipped, not waited for. A running row is due again only when its lease expires: the
 * holder enforces the deadline, and a takeover after expiry finds it passed.
 * Taking over a running row counts in `takeovers`. With $6 (`workflow@version` pairs),
 * only rows of those versions, or of none recorded. Rows in queues are left to
 * CLAIM_QUEUED; one more row (id NULL) says in `queued` whether any of those are due.
 * $1 now, $2 workflows, $3 limit, $4 worker, $5 lease expiry, $6 versions or null.
 */
export const CLAIM = query(
  'claim',
  `WITH due AS (
     SELECT id FROM zart_executions
     WHERE due_at <= $1 AND paused = 0 AND queue IS NULL AND workflow = ANY($2::text[])
       AND ($6::text[] IS NULL OR workflow_version IS NULL OR workflow || '@' || workflow_version = ANY($6::text[]))
     ORDER BY due_at
     LIMIT $3
     FOR UPDATE SKIP LOCKED
   ), claimed AS (
     UPDATE zart_executions e
     SET status = 'running', lease_owner = $4, lease_token = e.lease_token + 1, lease_expires_at = $5, due_at = $5,
         attempt = e.attempt + 1, wait_event = NULL, wait_until = NULL, waits_json = NULL, updated_at = $1,
         takeovers = e.takeovers + CASE WHEN e.status = 'running' THEN 1 ELSE 0 END,
         started_at = COALESCE(e.started_at, $1), dedupe_key = NULL, dedupe_until = NULL
     FROM due
     WHERE e.id = due.id
     RETURNING e.*
   )
   SELECT c.*, f.queued FROM (
     SELECT EXISTS (
       SELECT 1 FROM zart_executions
       WHERE queue IS NOT NULL AND due_at <= $1 AND paused = 0 AND workflow = ANY($2::text[])
     ) AS queued
   ) f LEFT JOIN claimed c ON true`,
)

const VERSIONS = `($3::text[] IS NULL OR e.workflow_version IS NULL OR e.workflow || '@' || e.workflow_version = ANY($3::text[]))`

/**
 * The queues with due executions, one index probe per queue (a skip scan: the backlog a
 * limit holds back is not read). Workflows and versions are the candidates' filter. $1 now.
 */
export const DUE_QUEUES = query(
  'due_queues',
  `WITH RECURSIVE due(queue) AS (
     SELECT (SELECT MIN(queue) FROM zart_executions WHERE queue IS NOT NULL AND due_at <= $1)
     UNION ALL
     SELECT (SELECT MIN(e.queue) FROM zart_executions e WHERE e.queue > due.queue AND e.due_at <= $1)
     FROM due WHERE due.queue IS NOT NULL
   )
   SELECT queue FROM due WHERE queue IS NOT NULL`,
)

/**
 * Locks the queues' rows, in name order: claimers of one queue take turns, so each reads
 * counts that include every claim made before it (READ COMMITTED: each later statement
 * sees what committed before it started). $1 queue names.
 */
export const LOCK_QUEUES = query(
  'lock_queues',
  `SELECT * FROM zart_queues WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE`,
)

/** Running executions and first starts in the rate period, per queue. $1 queue names, $2 now. */
export const QUEUE_COUNTS = query(
  'queue_counts',
  `SELECT n.name AS queue,
     (SELECT COUNT(*) FROM zart_executions r WHERE r.queue = n.name AND r.status = 'running')::int AS running,
     (SELECT COUNT(*) FROM zart_executions r
      WHERE r.queue = n.name AND q.rate_period_ms IS NOT NULL AND r.started_at > $2 - q.rate_period_ms)::int AS starts,
     (SELECT MIN(started_at) FROM zart_executions r
      WHERE r.queue = n.name AND q.rate_period_ms IS NOT NULL AND r.started_at > $2 - q.rate_period_ms) AS oldest
   FROM unnest($1::text[]) AS n(name) LEFT JOIN zart_queues q ON q.name = n.name`,
)

/**
 * Due executions of each queue in claim order (priority, then due time, then scheduling
 * order), each with how many of its key run now. Rows whose key is at its limit are
 * skipped here already, so a busy key does not hide the others behind it; of a full
 * queue, only takeovers (expired leases) are read. $1 now, $2 workflows, $3 versions or
 * null; per queue: $4 name, $5 how many to read, $6 full, $7 key limit.
 */
export const QUEUE_CANDIDATES = query(
  'queue_candidates',
  `SELECT c.* FROM unnest($4::text[], $5::int[], $6::boolean[], $7::int[]) AS n(name, lim, full_queue, key_limit)
   CROSS JOIN LATERAL (
     SELECT e.id, e.queue, e.concurrency_key, e.status, e.started_at, e.priority, e.due_at, e.seq,
       (SELECT COUNT(*) FROM zart_executions r
        WHERE r.queue = e.queue AND r.concurrency_key = e.concurrency_key AND r.status = 'running')::int AS key_running
     FROM zart_executions e
     WHERE e.queue = n.name AND e.due_at <= $1 AND e.paused = 0
       AND (NOT n.full_queue OR e.status = 'running')
       AND e.workflow = ANY($2::text[]) AND ${VERSIONS}
       AND (e.status = 'running' OR e.concurrency_key IS NULL OR n.key_limit IS NULL
            OR (SELECT COUNT(*) FROM zart_executions r
                WHERE r.queue = e.queue AND r.concurrency_key = e.concurrency_key AND r.status = 'running') < n.key_limit)
     ORDER BY e.priority DESC, e.due_at, e.seq
     LIMIT n.lim
   ) c`,
)

/**
 * Claims the queued executions the plan admitted, if still due and not paused (a cancel or
 * pause may have come between). $1 ids, $2 now, $3 worker, $4 lease expiry.
 */
export const CLAIM_QUEUED = query(
  'claim_queued',
  `UPDATE zart_executions e
   SET status = 'running', lease_owner = $3, lease_token = e.lease_token + 1, lease_expires_at = $4, due_at = $4,
       attempt = e.attempt + 1, wait_event = NULL, wait_until = NULL, waits_json = NULL, updated_at = $2,
       takeovers = e.takeovers + CASE WHEN e.status = 'running' THEN 1 ELSE 0 END,
       started_at = COALESCE(e.started_at, $2), dedupe_key = NULL, dedupe_until = NULL
   WHERE e.id = ANY($1::text[]) AND e.due_at <= $2 AND e.paused = 0
   RETURNING e.*`,
)

/** $1 name, $2 concurrency, $3 key concurrency, $4 rate limit, $5 rate period, $6 now. */
export const UPSERT_QUEUE = query(
  'upsert_queue',
  `INSERT INTO zart_queues (name, concurrency, key_concurrency, rate_limit, rate_period_ms, updated_at)
   VALUES ($1, $2, $3, $4, $5, $6)
   ON CONFLICT (name) DO UPDATE SET concurrency = excluded.concurrency, key_concurrency = excluded.key_concurrency,
     rate_limit = excluded.rate_limit, rate_period_ms = excluded.rate_period_ms, updated_at = excluded.updated_at`,
)

/** The same rows as LOCK_QUEUES, read without a lock. $1 queue names. */
export const SELECT_QUEUES = query('select_queues', `SELECT * FROM zart_queues WHERE name = ANY($1::text[])`)

export const LIST_QUEUES = query('list_queues', `SELECT * FROM zart_queues ORDER BY name`)

/** Where execution $1 stands in its queue at $2 (see the SQLite adapter's QUEUE_STANDING). */
export const QUEUE_STANDING = query(
  'queue_standing',
  `SELECT
     (SELECT COUNT(*) FROM zart_executions r WHERE r.queue = e.queue AND r.status = 'running')::int AS running,
     (SELECT COUNT(*) FROM zart_executions r
      WHERE r.queue = e.queue AND r.concurrency_key = e.concurrency_key AND r.status = 'running')::int AS key_running,
     (SELECT COUNT(*) FROM zart_executions r
      WHERE r.queue = e.queue AND r.id <> e.id AND r.due_at <= $2 AND r.status <> 'running' AND r.paused = 0
        AND (r.priority, -r.due_at, -r.seq) > (e.priority, -e.due_at, -e.seq))::int AS ahead_in_queue,
     (SELECT COUNT(*) FROM zart_executions r
      WHERE r.queue = e.queue AND r.concurrency_key = e.concurrency_key AND r.id <> e.id AND r.due_at <= $2
        AND r.status <> 'running' AND r.paused = 0
        AND (r.priority, -r.due_at, -r.seq) > (e.priority, -e.due_at, -e.seq))::int AS ahead_on_key,
     e.queue AS queue
   FROM zart_executions e WHERE e.id = $1 AND e.queue IS NOT NULL`,
)

export const NEXT_DUE = query(
  'next_due',
  `SELECT MIN(due_at) AS due FROM zart_executions
   WHERE due_at IS NOT NULL AND paused = 0 AND queue IS NULL AND workflow = ANY($1::text[])`,
)

/**
 * For metrics, per workflow: rows due now that no live lease holds (the two due-at
 * indexes: outside queues and in them) and suspended ones (the status index), one output
 * row per workflow with either. Each due or waiting row is read once for its workflow (the
 * due ones were already, for `paused`). Read at scrape time, never per step.
 */
export const QUEUE_DEPTH = query(
  'queue_depth',
  `SELECT workflow, COUNT(due_at)::int AS due, MIN(due_at) AS oldest, (COUNT(*) - COUNT(due_at))::int AS waiting
   FROM (SELECT workflow, due_at FROM zart_executions WHERE queue IS NULL AND due_at <= $1 AND paused = 0
         UNION ALL
         SELECT workflow, due_at FROM zart_executions WHERE queue IS NOT NULL AND due_at <= $1 AND paused = 0
         UNION ALL
         SELECT workflow, NULL FROM zart_executions WHERE status = 'waiting') AS depth
   GROUP BY workflow`,
)

/**
 * Renews the leases still held; the ids returned are the ones renewed. Rows are locked in
 * the order given (the store's lock order, as group commit uses) so the two never deadlock.
 */
export const HEARTBEAT = query(
  'heartbeat',
  `WITH held AS (
     SELECT e.id FROM zart_executions e
     JOIN unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS l(id, token, n)
       ON e.id = l.id AND e.lease_token = l.token
     WHERE e.status = 'running'
     ORDER BY l.n
     FOR UPDATE OF e
   )
   UPDATE zart_executions e
   SET lease_expires_at = $3, due_at = $3
   FROM held
   WHERE e.id = held.id
   RETURNING e.id`,
)

// Group commit: lock and read, decide in commit-plan.ts, apply, in one transaction of two
// round trips (migration 0007). Several statements in one round trip take no bound
// parameters, so these two are sent as text with each $n replaced by a JSON document
// quoted by the driver (see commit.ts); the functions keep their plans.

/** BEGIN, then lock and read the batch's rows and inboxes. $1 ids, $2 inbox ids (JSON arrays). */
export const BEGIN_AND_LOCK = `BEGIN; SELECT zart_lock_for_commit($1::jsonb, $2::jsonb) AS locked`

/**
 * Sent after BEGIN_AND_LOCK in the same round trip when the batch finishes executions
 * ($3, a JSON array): the unfinished executions under them, through children not started
 * detached and not finished, locked in id order after the batch's rows. The parent close
 * policy cancels them in the same commit. Each level is found through the parent index
 * and the rows through the id index: written as joins with a set-returning function and
 * a recursive CTE (which the planner costs at 100 and 1,000 rows whatever they hold), the
 * planner scanned the whole table on every finish, once more per level of children
 * (see migration 0018). `OFFSET 0` keeps the lateral lookup from being turned into a join.
 */
export const LOCK_CLOSING = `WITH RECURSIVE tree (id) AS (
     SELECT id FROM zart_executions
     WHERE parent_id = ANY (ARRAY(SELECT jsonb_array_elements_text($3::jsonb))) AND detached = 0
       AND status NOT IN ('completed', 'failed', 'cancelled', 'timed_out')
     UNION
     SELECT e.id FROM tree CROSS JOIN LATERAL (
       SELECT id FROM zart_executions
       WHERE parent_id = tree.id AND detached = 0 AND status NOT IN ('completed', 'failed', 'cancelled', 'timed_out')
       OFFSET 0
     ) e
   )
   SELECT * FROM zart_executions WHERE id = ANY (ARRAY(SELECT id FROM tree)) ORDER BY id FOR UPDATE`

/** Apply the decided changes, then COMMIT. $1 touched, $2 moved, $3 steps, $4 consumed (JSON arrays). */
export const APPLY_AND_COMMIT = `SELECT zart_apply_commit($1::jsonb, $2::jsonb, $3::jsonb, $4::jsonb); COMMIT`

/** The same, for a batch that also starts children or tells parents of ends. $5 created, $6 events (migration 0014). */
export const APPLY_WITH_CHILDREN_AND_COMMIT = `SELECT zart_apply_commit($1::jsonb, $2::jsonb, $3::jsonb, $4::jsonb); SELECT zart_apply_children($5::jsonb, $6::jsonb); COMMIT`

/** $1 touched, $2 moved (each row with its lease token), $3 steps: see migrations 0019 and 0021, and `commitKnown`. */
export const COMMIT_KNOWN = query('commit_known', `SELECT zart_commit_known($1::jsonb, $2::jsonb, $3::jsonb)`)

export const LISTEN = `LISTEN zart_due`

export const CURRENT_SCHEMA = `SELECT current_schema() AS schema`

/** $1 id, $2 host, $3 pid, $4 workflows, $5 lease, $6 started, $7 last seen, $8 scope. */
export const UPSERT_WORKER = query(
  'upsert_worker',
  `INSERT INTO zart_workers (id, host, pid, workflows_json, lease_ms, started_at, last_seen_at, scope)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
   ON CONFLICT (id) DO UPDATE SET workflows_json = excluded.workflows_json, lease_ms = excluded.lease_ms,
     last_seen_at = excluded.last_seen_at`,
)

/** Workers not heard of for ten of their lease periods are gone for good. $1 now. */
export const FORGET_WORKERS = query(
  'forget_workers',
  `DELETE FROM zart_workers WHERE last_seen_at + 10 * lease_ms < $1`,
)

/** $1 now. */
export const LIVE_WORKERS = query(
  'live_workers',
  `SELECT * FROM zart_workers WHERE last_seen_at + lease_ms >= $1 ORDER BY started_at, id`,
)

export const DELETE_WORKER = query('delete_worker', `DELETE FROM zart_workers WHERE id = $1`)

/** A dead worker's running executions become due now. $1 worker, $2 now. */
export const EXPIRE_LEASES_OF = query(
  'expire_leases_of',
  `UPDATE zart_executions SET lease_expires_at = $2, due_at = $2
   WHERE status = 'running' AND lease_owner = $1 AND lease_expires_at > $2
   RETURNING id`,
)

/** Pause or resume an unfinished execution. $1 paused (0/1), $2 now, $3 id. */
export const SET_PAUSED = query(
  'set_paused',
  `UPDATE zart_executions SET paused = $1, updated_at = $2
   WHERE id = $3 AND status IN ('pending', 'running', 'waiting')
   RETURNING *`,
)

/**
 * A failed, timed-out or cancelled execution runs again: its failed steps and timed-out
 * waits go, so they run again. $1 now, $2 deadline, $3 id.
 */
export const RETRY = query(
  'retry',
  `WITH retried AS (
     UPDATE zart_executions
     SET status = 'pending', due_at = $1, output_json = NULL, error_json = NULL, waits_json = NULL, wait_event = NULL,
         wait_until = NULL, lease_owner = NULL, lease_expires_at = NULL, takeovers = 0, paused = 0,
         deadline_at = $2, updated_at = $1
     WHERE id = $3 AND status IN ('failed', 'timed_out', 'cancelled')
     RETURNING *
   ), gone AS (
     DELETE FROM zart_steps WHERE execution_id IN (SELECT id FROM retried) AND status = 'failed'
   )
   SELECT * FROM retried`,
)

export const INSERT_TASK = query(
  'insert_task',
  `INSERT INTO zart_tasks (id, execution_id, owner, ttl_ms, created_at) VALUES ($1, $2, $3, $4, $5)`,
)

/** A task whose execution still exists (pruning an execution ends its task). $1 id, $2 owner. */
export const SELECT_TASK = query(
  'select_task',
  `SELECT t.* FROM zart_tasks t JOIN zart_executions e ON e.id = t.execution_id
   WHERE t.id = $1 AND t.owner = $2`,
)

/** An owner's tasks, newest first. $1 owner, $2 before seq or null, $3 limit. */
export const LIST_TASKS = query(
  'list_tasks',
  `SELECT t.* FROM zart_tasks t JOIN zart_executions e ON e.id = t.execution_id
   WHERE t.owner = $1 AND ($2::bigint IS NULL OR t.seq < $2)
   ORDER BY t.seq DESC
   LIMIT $3`,
)

/**
 * Fills in a fork made by createExecutions: names its origin and copies the origin's
 * recorded steps before a durable point. $1 new id, $2 origin, $3 before position.
 */
export const FILL_FORK = query(
  'fill_fork',
  `WITH marked AS (
     UPDATE zart_executions SET rerun_of = $2 WHERE id = $1 RETURNING id
   )
   INSERT INTO zart_steps (execution_id, step_key, name, kind, status, position, resolved_seq, attempts, output_json, error_json, started_at, finished_at, wake_at)
   SELECT $1, step_key, name, kind, status, position, resolved_seq, attempts, output_json, error_json, started_at, finished_at, wake_at
   FROM zart_steps WHERE execution_id = $2 AND position IS NOT NULL AND position < $3
     AND EXISTS (SELECT 1 FROM marked)
   ORDER BY seq`,
)

/**
 * The step a known-rows commit of one execution writes after the fenced update `f` of its
 * row, as the statement's last part: nothing when the fence failed, so its row count says
 * whether the fence held (an existing step's row is updated, which counts too).
 * Parameters from `$n`: step key, name, kind, status, position, resolved seq, attempts,
 * output, error, started, finished, wake.
 */
const knownStep = (n: number) => {
  const p = (i: number, type = 'text') => `$${n + i}::${type}`
  return `INSERT INTO zart_steps (execution_id, step_key, name, kind, status, position, resolved_seq, attempts,
     output_json, error_json, started_at, finished_at, wake_at)
   SELECT f.id, ${p(0)}, ${p(1)}, ${p(2)}, ${p(3)}, ${p(4, 'int')}, ${p(5, 'bigint')}, ${p(6, 'int')}, ${p(7)},
     ${p(8)}, ${p(9, 'bigint')}, ${p(10, 'bigint')}, ${p(11, 'bigint')}
   FROM f
   ON CONFLICT (execution_id, step_key) DO UPDATE SET
     status = excluded.status, position = COALESCE(excluded.position, zart_steps.position),
     resolved_seq = excluded.resolved_seq, attempts = excluded.attempts, output_json = excluded.output_json,
     error_json = excluded.error_json, finished_at = excluded.finished_at, wake_at = excluded.wake_at`
}

/**
 * The fenced update of a known-rows commit of one execution that stays running: the same
 * fence and writes as migration 0021's function, as one prepared statement (a PL/pgSQL
 * call and its JSON cost about 0.06 ms more per commit). $1 id, $2 lease token;
 * $3 current step, $4 takeovers, $5 progress, $6 updated at.
 *
 * The status is compared as an expression (`status || ''`), which no index serves, so the
 * row is found through its id even where the statistics say almost none is running: the
 * planner then chose the status index and visited every running row (migration 0021).
 */
const touchUpdate = `UPDATE zart_executions SET current_step = $3, takeovers = $4::int, progress_json = $5, updated_at = $6::bigint
   WHERE id = $1 AND status || '' = 'running' AND lease_token = $2::bigint AND paused = 0`

/**
 * The same for one execution that stops running (a finish), fenced also on no unfinished
 * child started attached. $1 id, $2 lease token; $3.. the columns of UPDATED_COLUMNS in order.
 */
const moveUpdate = `UPDATE zart_executions e
   SET status = $3, current_step = $4, output_json = $5, error_json = $6, wait_event = $7, wait_until = $8::bigint,
       waits_json = $9, workflow_retries = $10::int, takeovers = $11::int, progress_json = $12, lease_owner = $13,
       lease_expires_at = $14::bigint, due_at = $15::bigint, updated_at = $16::bigint
   WHERE e.id = $1 AND e.status || '' = 'running' AND e.lease_token = $2::bigint AND e.paused = 0
     AND NOT EXISTS (
       SELECT 1 FROM zart_executions c
       WHERE c.parent_id = e.id AND c.detached = 0
         AND c.status NOT IN ('completed', 'failed', 'cancelled', 'timed_out'))`

// The known-rows commits of one execution and at most one step. Each returns no row: its
// row count is 1 when the fence held and everything was written, 0 when it failed and
// nothing was (a row back cost the server a count and the client a row description and a
// row to parse, about 0.02 ms per commit, 0.035 ms after an idle pause).

/** A row that stays running, without a step (a progress report). */
export const KNOWN_TOUCH = query('known_touch', touchUpdate)
/** A row that stays running, and a step; $7.. the step (see `knownStep`). */
export const KNOWN_TOUCH_STEP = query('known_touch_step', `WITH f AS (${touchUpdate} RETURNING id) ${knownStep(7)}`)
/** A row that stops running (a finish), without a step. */
export const KNOWN_MOVE = query('known_move', moveUpdate)
/** A row that stops running, and a step; $17.. the step. */
export const KNOWN_MOVE_STEP = query('known_move_step', `WITH f AS (${moveUpdate} RETURNING e.id) ${knownStep(17)}`)

/**
 * Creates one execution that holds no dedupe key, as one prepared statement: the common
 * schedule, without zart_create_executions' PL/pgSQL call and JSON. It returns no row: the
 * new row is what was sent (initial-state.ts `newRecord`), and reading it back cost about
 * 0.05 ms. A row count of 0 means an id or idempotency key is taken: the caller asks
 * CREATE_EXECUTIONS, which says by what.
 * $1.. the values of NEW_ROW_COLUMNS (initial-state.ts).
 */
export const CREATE_ONE = query(
  'create_one',
  `INSERT INTO zart_executions (${NEW_ROW_COLUMNS})
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
   ON CONFLICT DO NOTHING`,
)
