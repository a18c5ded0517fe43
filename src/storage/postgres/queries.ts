/**
 * The SQL the PostgreSQL adapter runs, one named statement per operation. Names double
 * as prepared-statement names, so each is parsed once per connection.
 */

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

export const CANCEL = query(
  'cancel',
  `UPDATE zart_executions
   SET status = 'cancelled', error_json = $3, due_at = NULL, lease_owner = NULL,
       lease_expires_at = NULL, wait_event = NULL, wait_until = NULL, waits_json = NULL, updated_at = $2
   WHERE id = $1 AND status IN ('pending', 'running', 'waiting')
   RETURNING *`,
)

/**
 * Claims a batch in one statement: rows another worker is claiming or committing are
 * skipped, not waited for. A running row is due again only when its lease expires: the
 * holder enforces the deadline, and a takeover after expiry finds it passed.
 * Taking over a running row counts in `takeovers`. With $6 (`workflow@version` pairs),
 * only rows of those versions, or of none recorded.
 * $1 now, $2 workflows, $3 limit, $4 worker, $5 lease expiry, $6 versions or null.
 */
export const CLAIM = query(
  'claim',
  `WITH due AS (
     SELECT id FROM zart_executions
     WHERE due_at <= $1 AND paused = 0 AND workflow = ANY($2::text[])
       AND ($6::text[] IS NULL OR workflow_version IS NULL OR workflow || '@' || workflow_version = ANY($6::text[]))
     ORDER BY due_at
     LIMIT $3
     FOR UPDATE SKIP LOCKED
   )
   UPDATE zart_executions e
   SET status = 'running', lease_owner = $4, lease_token = e.lease_token + 1, lease_expires_at = $5, due_at = $5,
       attempt = e.attempt + 1, wait_event = NULL, wait_until = NULL, waits_json = NULL, updated_at = $1,
       takeovers = e.takeovers + CASE WHEN e.status = 'running' THEN 1 ELSE 0 END
   FROM due
   WHERE e.id = due.id
   RETURNING e.*`,
)

export const NEXT_DUE = query(
  'next_due',
  `SELECT MIN(due_at) AS due FROM zart_executions
   WHERE due_at IS NOT NULL AND paused = 0 AND workflow = ANY($1::text[])`,
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
 * The hash of each row of the batch as it stands now in this transaction ({id: md5}), for
 * the store to know it by at its next commit (see known-rows.ts): the same JSON of the
 * row as zart_lock_for_commit gives, read without locking again (a lock is a write of
 * the row, and more to flush at COMMIT). The input never changes once scheduled and may
 * be large: it is left out. $n the ids (a JSON array).
 */
const rowHashes = (n: number) => `
  SELECT jsonb_object_agg(e.id, md5((to_jsonb(e) - 'input_json')::text)) AS hashes
  FROM zart_executions e WHERE e.id IN (SELECT jsonb_array_elements_text($${n}::jsonb))`

/**
 * Apply the decided changes, read the rows' new hashes, then COMMIT.
 * $1 touched, $2 moved, $3 steps, $4 consumed (JSON arrays), $5 ids.
 */
export const APPLY_AND_COMMIT = `SELECT zart_apply_commit($1::jsonb, $2::jsonb, $3::jsonb, $4::jsonb); ${rowHashes(5)}; COMMIT`

/**
 * A whole commit in one round trip, decided from rows the store knew (see commit.ts): the
 * apply runs only if every locked row still has the hash the store knew it by and no
 * inbox the batch reads holds an event; its one row says it ran. Then the new hashes, and
 * COMMIT either way. $1 ids, $2 inbox ids, $3 known hashes ({id: md5}), $4..$7 as
 * APPLY_AND_COMMIT's $1..$4. (A CTE with a volatile function is evaluated once, first.)
 */
export const GUARDED_APPLY_AND_COMMIT = `BEGIN;
  WITH l AS (SELECT zart_lock_for_commit($1::jsonb, $2::jsonb) AS locked)
  SELECT zart_apply_commit($4::jsonb, $5::jsonb, $6::jsonb, $7::jsonb) FROM l
  WHERE jsonb_array_length(l.locked->'inbox') = 0
    AND (SELECT jsonb_object_agg(r->>'id', md5((r - 'input_json')::text))
         FROM jsonb_array_elements(l.locked->'rows') r) = $3::jsonb;
  ${rowHashes(1)};
  COMMIT`

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
