import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { compareMigrations, loadMigrations, pendingMigrations } from '../migrations.ts'
import { decodeCursor, encodeCursor } from '../cursor.ts'
import type {
  Claim,
  ClaimOptions,
  CancelResult,
  CreateResult,
  DeliverResult,
  ExecutionRecord,
  FencedWrite,
  Lease,
  ListFilter,
  ListPage,
  MigrationResult,
  MigrationStatus,
  NewEvent,
  NewExecution,
  PruneFilter,
  RepairResult,
  StepRecord,
  Store,
  WorkerRecord,
  TaskFilter,
  TaskPage,
  TaskRecord,
  WriteOutcome,
  QueueDepth,
  QueueStanding,
} from '../store.ts'
import { isTerminal } from '../store.ts'
import { decideCancel } from '../cancel-plan.ts'
import { commitWrites } from './commit.ts'
import { flowState } from '../initial-state.ts'
import * as q from './queries.ts'
import * as sq from './schedule-queries.ts'
import {
  advanceColumns,
  scheduleColumns,
  scheduleDefinitionColumns,
  toSchedule,
  type ScheduleAdvance,
  type ScheduleRecord,
  type ScheduleRow,
} from '../schedules.ts'
import { watchDatabase } from './wake-ups.ts'
import { handedBack, LocalWakeUps } from '../local-wake-ups.ts'
import {
  inboxEventColumns,
  updatedColumns,
  toExecution,
  toStep,
  toWorker,
  toTask,
  toTaskPage,
  taskColumns,
  workerColumns,
  type ExecutionRow,
  type StepRow,
  type WorkerRow,
  type TaskRow,
  toQueue,
  queueColumns,
  type QueueRow,
} from '../rows.ts'
import type { QueueDefinition } from '../../queues.ts'
import { admitQueued, candidateLimit, inClaimOrder, isFull, type QueueState } from '../queue-plan.ts'
import { toQueueDepth, type QueueDepthRow } from '../queue-depth.ts'
import { toCandidate, toStanding, type CandidateRow, type StandingRow } from '../queue-rows.ts'

export interface SqliteStoreOptions {
  /**
   * `FULL` (default) makes every commit durable through power loss; `NORMAL` may lose the
   * last commits on power loss (never on a process crash) for several times the speed.
   */
  synchronous?: 'FULL' | 'NORMAL'
  /** How long a writer waits for another process's write lock, in ms (default 5000). */
  busyTimeoutMs?: number
}

let addon: Database.Options | undefined

/**
 * Puts the database in WAL mode. Two processes opening a new file at once (two agent
 * sessions starting `zart mcp`) both ask for the change, and SQLite answers the loser
 * SQLITE_BUSY at once, without waiting out the busy timeout as other statements do: so
 * wait here, a few ms at a time, up to that timeout.
 */
function toWal(db: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      db.pragma('journal_mode = WAL')
      return
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error
      // A constructor cannot await: block this thread briefly, as the busy timeout would.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5)
    }
  }
}

/**
 * Names better-sqlite3's compiled addon where it is usually built. Left to itself it finds
 * the addon by trying a dozen paths (the \`bindings\` package), a few ms of every CLI call;
 * an addon built elsewhere is still found that way.
 */
function addonOptions(): Database.Options {
  if (addon === undefined) {
    try {
      addon = {
        nativeBinding: createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node'),
      }
    } catch {
      addon = {}
    }
  }
  return addon
}

/**
 * The embedded default store: one SQLite file in WAL mode, safe for several processes
 * (busy timeout, short write transactions). Calls are synchronous under the hood; the
 * async signatures are those of the Store contract.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite'
  readonly path: string
  private readonly db: Database.Database
  private readonly statements = new Map<string, Database.Statement>()
  /**
   * One transaction wrapper for every write: better-sqlite3 builds a new wrapper (five
   * functions) on each `db.transaction()` call, which the hot path paid on every commit.
   */
  private readonly inTransaction: Database.Transaction<(fn: () => unknown) => unknown>
  /** Subscribers in this process, told of this connection's own changes (see `subscribe`). */
  private readonly local = new LocalWakeUps()

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.path = path
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    this.db = new Database(path, addonOptions())
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000
    this.db.pragma(`busy_timeout = ${busyTimeoutMs}`)
    toWal(this.db, busyTimeoutMs)
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
    this.inTransaction = this.db.transaction((fn: () => unknown) => fn())
  }

  /** Runs `fn` in a write transaction begun IMMEDIATE (the write lock at once, no upgrade deadlock). */
  private immediate<T>(fn: () => T): T {
    return this.inTransaction.immediate(fn) as T
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text)
    if (!statement) {
      statement = this.db.prepare(text)
      this.statements.set(text, statement)
    }
    return statement
  }

  async migrate(): Promise<MigrationResult> {
    const known = loadMigrations('sqlite')
    // Usually nothing is pending (every CLI call opens the store): say so without taking
    // the write lock. What is pending is looked at again under the lock.
    const tableExists = this.db.prepare(q.MIGRATIONS_TABLE_EXISTS).get() !== undefined
    if (tableExists && pendingMigrations(known, this.appliedMigrations()).length === 0) {
      return { applied: [], current: known.at(-1)?.name ?? null }
    }
    this.db.exec('CREATE TABLE IF NOT EXISTS zart_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)')
    const run = () => {
      const pending = pendingMigrations(known, this.appliedMigrations())
      for (const migration of pending) {
        // The row goes in first: a second migrator racing us fails on the primary key.
        this.db.prepare('INSERT INTO zart_migrations (name, applied_at) VALUES (?, ?)').run(migration.name, Date.now())
        this.db.exec(migration.sql)
      }
      return pending.map((m) => m.name)
    }
    const applied = this.immediate(run)
    return { applied, current: known.at(-1)?.name ?? null }
  }

  async migrationStatus(): Promise<MigrationStatus> {
    const tableExists = this.db.prepare(q.MIGRATIONS_TABLE_EXISTS).get() !== undefined
    return compareMigrations(loadMigrations('sqlite'), tableExists ? this.appliedMigrations() : [])
  }

  private appliedMigrations(): string[] {
    return (this.db.prepare(q.SELECT_MIGRATIONS).all() as { name: string }[]).map((r) => r.name)
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close()
  }

  async createExecution(input: NewExecution): Promise<CreateResult> {
    const [result] = await this.createExecutions([input])
    return result as CreateResult
  }

  async createExecutions(inputs: NewExecution[]): Promise<CreateResult[]> {
    const results = this.immediate(() => inputs.map((input) => this.insertOrFind(input)))
    if (results.some((r) => r.outcome === 'created' && r.execution.status === 'pending')) this.local.notify()
    return results
  }

  private insertOrFind(input: NewExecution): CreateResult {
    const byId = this.sql(q.SELECT_EXECUTION).get(input.id) as ExecutionRow | undefined
    if (byId) return { outcome: 'existing', execution: toExecution(byId), matchedBy: 'id' }
    if (input.idempotencyKey !== null) {
      const byKey = this.sql(q.SELECT_BY_IDEMPOTENCY_KEY).get(input.idempotencyKey) as ExecutionRow | undefined
      if (byKey) return { outcome: 'existing', execution: toExecution(byKey), matchedBy: 'idempotency_key' }
    }
    if (input.dedupe) {
      const key = { workflow: input.workflow, key: input.dedupe.key, now: input.now }
      this.sql(q.RELEASE_DEDUPE).run(key)
      const held = this.sql(q.SELECT_BY_DEDUPE).get(key) as ExecutionRow | undefined
      if (held) return { outcome: 'existing', execution: toExecution(held), matchedBy: 'dedupe' }
    }
    const row = this.sql(q.INSERT_EXECUTION).get(insertParams(input)) as ExecutionRow
    return { outcome: 'created', execution: toExecution(row) }
  }

  /**
   * Wake-ups across processes on one file, from the operating system's file change
   * notifications (see `watchDatabase`). An in-memory database has no other process.
   */
  async subscribe(onDue: () => void): Promise<() => Promise<void>> {
    const removeLocal = this.local.add(onDue)
    if (this.path === ':memory:') return async () => void removeLocal()
    // The file also changes with this connection's own commits (every step of every run
    // here): `data_version` moves only when another connection committed, so those are
    // told apart without a query that touches a table. This connection's own changes that
    // make work due are told directly (`local`).
    let seen = this.dataVersion()
    const stop = watchDatabase(this.path, () => {
      if (!this.db.open) return
      const now = this.dataVersion()
      if (now === seen) return
      seen = now
      onDue()
    })
    return async () => {
      removeLocal()
      stop()
    }
  }

  /** SQLite's count of commits by other connections to this file, as seen by this one. */
  private dataVersion(): number {
    // A cached statement: db.pragma() prepares one on every call, and this runs on every
    // change of the file, this connection's own commits included.
    return this.sql('PRAGMA data_version').pluck().get() as number
  }

  async getExecution(id: string): Promise<ExecutionRecord | undefined> {
    const row = this.sql(q.SELECT_EXECUTION).get(id) as ExecutionRow | undefined
    return row && toExecution(row)
  }

  async getSteps(id: string): Promise<StepRecord[]> {
    return (this.sql(q.SELECT_STEPS).all(id) as StepRow[]).map(toStep)
  }

  async listExecutions(filter: ListFilter): Promise<ListPage> {
    const rows = this.sql(q.LIST_EXECUTIONS).all({
      status: filter.status ?? null,
      workflow: filter.workflow ?? null,
      before: filter.cursor === undefined ? null : decodeCursor(filter.cursor),
      limit: filter.limit + 1,
    }) as ExecutionRow[]
    const page = rows.slice(0, filter.limit)
    const last = page.at(-1)
    return {
      executions: page.map(toExecution),
      nextCursor: rows.length > filter.limit && last ? encodeCursor(last.seq) : null,
    }
  }

  async deliverEvent(event: NewEvent): Promise<DeliverResult> {
    const [result] = await this.deliverEvents([event])
    return result as DeliverResult
  }

  async deliverEvents(events: NewEvent[]): Promise<DeliverResult[]> {
    const results = this.immediate(() => events.map((event) => this.insertEvent(event)))
    if (results.some((r) => r.outcome === 'delivered')) this.local.notify()
    return results
  }

  private insertEvent(event: NewEvent): DeliverResult {
    const row = this.sql(q.SELECT_EXECUTION).get(event.executionId) as ExecutionRow | undefined
    if (!row) return { outcome: 'not_found' }
    const execution = toExecution(row)
    if (event.eventId !== null && this.sql(q.EVENT_EXISTS).get(event.executionId, event.eventId)) {
      return { outcome: 'duplicate', execution }
    }
    if (isTerminal(execution.status)) return { outcome: 'terminal', execution }
    this.sql(q.INSERT_EVENT).run(event)
    const woken = this.sql(q.WAKE_WAITER).get(event) as ExecutionRow | undefined
    return woken ? { outcome: 'delivered', execution: toExecution(woken) } : { outcome: 'buffered', execution }
  }

  async cancelExecution(id: string, now: number, errorJson: string): Promise<CancelResult> {
    const run = (): CancelResult => {
      const rows = (this.sql(q.CANCEL_TREE).all({ id }) as ExecutionRow[]).map(toExecution)
      const decision = decideCancel(id, new Map(rows.map((r) => [r.id, r])), now, errorJson)
      if (decision.outcome !== 'cancelled') return decision
      for (const row of decision.executions) this.sql(q.UPDATE_EXECUTION).run(updatedColumns(row))
      for (const event of decision.events) this.sql(q.INSERT_INBOX_EVENT).run(inboxEventColumns(event))
      return { outcome: 'cancelled', execution: decision.execution, cascaded: decision.cascaded }
    }
    const result = this.immediate(run)
    if (result.outcome === 'cancelled') this.local.notify()
    return result
  }

  async listChildren(parentId: string, limit: number): Promise<ExecutionRecord[]> {
    return (this.sql(q.LIST_CHILDREN).all(parentId, limit) as ExecutionRow[]).map(toExecution)
  }

  async forkExecution(input: NewExecution, from: string, beforePosition: number): Promise<CreateResult> {
    const run = (): CreateResult => {
      const result = this.insertOrFind(input)
      if (result.outcome !== 'created') return result
      this.sql(q.SET_RERUN_OF).run({ from, id: input.id })
      this.sql(q.COPY_STEPS).run({ from, to: input.id, before: beforePosition })
      return { outcome: 'created', execution: { ...result.execution, rerunOf: from } }
    }
    return this.immediate(run)
  }

  async retryExecution(id: string, now: number, deadlineAt: number | null): Promise<RepairResult> {
    const run = (): RepairResult => {
      const row = this.sql(q.RETRY).get({ now, deadline: deadlineAt, id }) as ExecutionRow | undefined
      if (row) {
        this.sql(q.DELETE_FAILED_STEPS).run(id)
        return { outcome: 'changed', execution: toExecution(row) }
      }
      const existing = this.sql(q.SELECT_EXECUTION).get(id) as ExecutionRow | undefined
      return existing ? { outcome: 'refused', execution: toExecution(existing) } : { outcome: 'not_found' }
    }
    const result = this.immediate(run)
    if (result.outcome === 'changed') this.local.notify()
    return result
  }

  async setPaused(id: string, paused: boolean, now: number): Promise<RepairResult> {
    const row = this.sql(q.SET_PAUSED).get(paused ? 1 : 0, now, id) as ExecutionRow | undefined
    if (row && !paused) this.local.notify()
    if (row) return { outcome: 'changed', execution: toExecution(row) }
    const existing = this.sql(q.SELECT_EXECUTION).get(id) as ExecutionRow | undefined
    return existing ? { outcome: 'refused', execution: toExecution(existing) } : { outcome: 'not_found' }
  }

  async pruneExecutions(filter: PruneFilter): Promise<number> {
    const run = (): number => {
      const ids = this.sql(q.SELECT_PRUNABLE).all({
        before: filter.before,
        statuses: JSON.stringify(filter.statuses),
        limit: filter.limit,
      }) as { id: string }[]
      for (const { id } of ids) {
        this.sql(q.DELETE_STEPS).run(id)
        this.sql(q.DELETE_EVENTS).run(id)
        this.sql(q.DELETE_EXECUTION).run(id)
      }
      return ids.length
    }
    return this.immediate(run)
  }

  async claim(options: ClaimOptions): Promise<Claim[]> {
    // A cheap read first: most polls find nothing and should not take the write lock.
    const filter = {
      now: options.now,
      workflows: JSON.stringify(options.workflows),
      versions: options.versions ? JSON.stringify(options.versions) : null,
    }
    const any = this.sql(q.ANY_DUE).get(filter) as { plain: number; queued: number }
    if (!any.plain && !any.queued) return []
    const run = (): Claim[] => {
      const due = any.plain
        ? (this.sql(q.SELECT_DUE_UNQUEUED).all({ ...filter, limit: options.limit }) as { id: string }[])
        : []
      const ids = due.map((r) => r.id)
      // The write transaction holds the whole database: no other claimer reads the counts
      // until this one's claims are in, so the limits hold across processes.
      if (any.queued && ids.length < options.limit) ids.push(...this.admitQueued(filter, options.limit - ids.length))
      const claims: Claim[] = []
      for (const id of ids) {
        const row = this.sql(q.CLAIM).get({
          id,
          workerId: options.workerId,
          leaseExpiresAt: options.now + options.leaseMs,
          now: options.now,
        }) as ExecutionRow | undefined
        if (!row) continue
        const steps = (this.sql(q.SELECT_STEPS).all(id) as StepRow[]).map(toStep)
        claims.push({ execution: toExecution(row), steps })
      }
      return claims
    }
    return this.immediate(run)
  }

  /** The queued executions this claim may take, within their queues' limits (queue-plan.ts). */
  private admitQueued(filter: { now: number; workflows: string; versions: string | null }, capacity: number): string[] {
    const queues = (this.sql(q.DUE_QUEUES).all({ now: filter.now }) as { queue: string }[]).map((r) => r.queue)
    if (queues.length === 0) return []
    const states = this.queueStates(queues, filter.now)
    const lists = [...states].map(([queue, state]) =>
      (
        this.sql(isFull(state) ? q.QUEUE_TAKEOVERS : q.QUEUE_CANDIDATES).all({
          ...filter,
          queue,
          ...(!isFull(state) && { keyConcurrency: state.definition?.keyConcurrency ?? null }),
          limit: candidateLimit(capacity, state),
        }) as CandidateRow[]
      ).map(toCandidate),
    )
    return admitQueued(inClaimOrder(lists), states, capacity)
  }

  private queueStates(queues: string[], now: number): Map<string, QueueState> {
    const list = JSON.stringify(queues)
    const definitions = new Map((this.sql(q.SELECT_QUEUES_IN).all(list) as QueueRow[]).map((r) => [r.name, toQueue(r)]))
    const running = new Map(
      (this.sql(q.RUNNING_PER_QUEUE).all(list) as { queue: string; running: number }[]).map((r) => [
        r.queue,
        r.running,
      ]),
    )
    const states = new Map<string, QueueState>()
    for (const name of queues) {
      const definition = definitions.get(name)
      const starts = this.startsOf(definition, now)
      states.set(name, { definition, running: running.get(name) ?? 0, starts: starts.starts })
    }
    return states
  }

  private startsOf(definition: QueueDefinition | undefined, now: number): { starts: number; oldest: number | null } {
    if (!definition || definition.ratePeriodMs === null) return { starts: 0, oldest: null }
    return this.sql(q.STARTS_SINCE).get(definition.name, now - definition.ratePeriodMs) as {
      starts: number
      oldest: number | null
    }
  }

  async setQueue(definition: QueueDefinition, now: number): Promise<void> {
    this.sql(q.UPSERT_QUEUE).run(...queueColumns(definition, now))
  }

  async listQueues(): Promise<QueueDefinition[]> {
    return (this.sql(q.LIST_QUEUES).all() as QueueRow[]).map(toQueue)
  }

  async queueStanding(id: string, now: number): Promise<QueueStanding | undefined> {
    const row = this.sql(q.QUEUE_STANDING).get({ id, now }) as StandingRow | undefined
    if (!row) return undefined
    const queueRow = this.sql(q.SELECT_QUEUE).get(row.queue) as QueueRow | undefined
    const definition = queueRow && toQueue(queueRow)
    return toStanding(row, definition, this.startsOf(definition, now))
  }

  async nextDueAt(workflows: string[]): Promise<number | null> {
    const row = this.sql(q.NEXT_DUE).get(JSON.stringify(workflows)) as { due: number | null }
    return row.due
  }

  async queueDepth(now: number): Promise<QueueDepth> {
    return toQueueDepth(this.sql(q.QUEUE_DEPTH).all({ now }) as QueueDepthRow[])
  }

  async heartbeat(leases: Lease[], now: number, leaseMs: number): Promise<string[]> {
    if (leases.length === 0) return []
    const run = (): string[] => {
      const lost: string[] = []
      for (const lease of leases) {
        const result = this.sql(q.HEARTBEAT).run({
          id: lease.executionId,
          token: lease.token,
          leaseExpiresAt: now + leaseMs,
        })
        if (result.changes === 0) lost.push(lease.executionId)
      }
      return lost
    }
    return this.immediate(run)
  }

  async recordWorker(worker: WorkerRecord): Promise<void> {
    this.sql(q.UPSERT_WORKER).run(...workerColumns(worker))
    this.sql(q.FORGET_WORKERS).run(worker.lastSeenAt)
  }

  async listWorkers(now: number): Promise<WorkerRecord[]> {
    return (this.sql(q.LIVE_WORKERS).all(now) as WorkerRow[]).map(toWorker)
  }

  async removeWorker(id: string): Promise<void> {
    this.sql(q.DELETE_WORKER).run(id)
  }

  async expireLeasesOf(workerId: string, now: number): Promise<number> {
    const run = () => {
      const expired = this.sql(q.EXPIRE_LEASES_OF).run(now, now, workerId, now).changes
      this.sql(q.DELETE_WORKER).run(workerId)
      return expired
    }
    const expired = this.immediate(run)
    if (expired > 0) this.local.notify()
    return expired
  }

  async createTask(task: TaskRecord): Promise<void> {
    this.sql(q.INSERT_TASK).run(...taskColumns(task))
  }

  async getTask(id: string, owner: string): Promise<TaskRecord | undefined> {
    const row = this.sql(q.SELECT_TASK).get(id, owner) as TaskRow | undefined
    return row && toTask(row)
  }

  async listTasks(filter: TaskFilter): Promise<TaskPage> {
    const rows = this.sql(q.LIST_TASKS).all({
      owner: filter.owner,
      before: filter.cursor === undefined ? null : decodeCursor(filter.cursor),
      limit: filter.limit + 1,
    }) as TaskRow[]
    return toTaskPage(rows, filter.limit)
  }

  async createSchedule(schedule: ScheduleRecord): Promise<{ created: boolean; schedule: ScheduleRecord }> {
    const created = this.sql(sq.INSERT_SCHEDULE).run(...scheduleColumns(schedule)).changes === 1
    const row = this.sql(sq.SELECT_SCHEDULE).get(schedule.name) as ScheduleRow
    return { created, schedule: toSchedule(row) }
  }

  async replaceSchedule(schedule: ScheduleRecord): Promise<void> {
    this.sql(sq.REPLACE_SCHEDULE).run(...scheduleDefinitionColumns(schedule))
  }

  async getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    const row = this.sql(sq.SELECT_SCHEDULE).get(name) as ScheduleRow | undefined
    return row && toSchedule(row)
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return (this.sql(sq.LIST_SCHEDULES).all() as ScheduleRow[]).map(toSchedule)
  }

  async deleteSchedule(name: string): Promise<boolean> {
    return this.sql(sq.DELETE_SCHEDULE).run(name).changes === 1
  }

  async setSchedulePaused(name: string, paused: boolean, nextTickAt: number | null, now: number): Promise<boolean> {
    return this.sql(sq.SET_SCHEDULE_PAUSED).run(paused ? 1 : 0, nextTickAt, now, name).changes === 1
  }

  async nextScheduleTick(workflows: string[]): Promise<number | null> {
    const row = this.sql(sq.NEXT_SCHEDULE_TICK).get(JSON.stringify(workflows)) as { at: number | null }
    return row.at
  }

  async dueSchedules(now: number, workflows: string[], limit: number): Promise<ScheduleRecord[]> {
    const rows = this.sql(sq.DUE_SCHEDULES).all(now, JSON.stringify(workflows), limit) as ScheduleRow[]
    return rows.map(toSchedule)
  }

  async advanceSchedule(advance: ScheduleAdvance): Promise<boolean> {
    return this.sql(sq.ADVANCE_SCHEDULE).run(...advanceColumns(advance)).changes === 1
  }

  async commit(writes: FencedWrite[]): Promise<WriteOutcome[]> {
    const outcomes = this.immediate(() => commitWrites((text) => this.sql(text), writes))
    if (handedBack(outcomes)) this.local.notify()
    return outcomes
  }
}

/** The columns of a new row: pending at its run time, or already claimed by the caller. */
function insertParams(input: NewExecution) {
  const { claim, ...rest } = input
  // Bound by name: the dedupe object itself is not a column (flowState flattens it).
  delete rest.dedupe
  const leaseExpiresAt = claim ? input.now + claim.leaseMs : null
  return {
    ...rest,
    status: claim ? 'running' : 'pending',
    dueAt: leaseExpiresAt ?? input.runAt,
    leaseOwner: claim?.workerId ?? null,
    leaseToken: claim ? 1 : 0,
    leaseExpiresAt,
    attempt: claim ? 1 : 0,
    traceParent: input.traceParent ?? null,
    ...flowState(input),
  }
}
