import { mkdirSync } from 'node:fs'
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
} from '../store.ts'
import { isTerminal } from '../store.ts'
import { commitWrites } from './commit.ts'
import * as q from './queries.ts'
import { watchDatabase } from './wake-ups.ts'
import { handedBack, LocalWakeUps } from '../local-wake-ups.ts'
import {
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
} from '../rows.ts'

export interface SqliteStoreOptions {
  /**
   * `FULL` (default) makes every commit durable through power loss; `NORMAL` may lose the
   * last commits on power loss (never on a process crash) for several times the speed.
   */
  synchronous?: 'FULL' | 'NORMAL'
  /** How long a writer waits for another process's write lock, in ms (default 5000). */
  busyTimeoutMs?: number
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
  /** Subscribers in this process, told of this connection's own changes (see `subscribe`). */
  private readonly local = new LocalWakeUps()

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.path = path
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    this.db = new Database(path)
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
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
    this.db.exec('CREATE TABLE IF NOT EXISTS zart_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)')
    const run = this.db.transaction(() => {
      const pending = pendingMigrations(known, this.appliedMigrations())
      for (const migration of pending) {
        // The row goes in first: a second migrator racing us fails on the primary key.
        this.db.prepare('INSERT INTO zart_migrations (name, applied_at) VALUES (?, ?)').run(migration.name, Date.now())
        this.db.exec(migration.sql)
      }
      return pending.map((m) => m.name)
    })
    const applied = run.immediate()
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
    const results = this.db.transaction(() => inputs.map((input) => this.insertOrFind(input))).immediate()
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
    return this.db.pragma('data_version', { simple: true }) as number
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
    const results = this.db.transaction(() => events.map((event) => this.insertEvent(event))).immediate()
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
    const run = this.db.transaction((): CancelResult => {
      const row = this.sql(q.CANCEL).get({ id, now, errorJson }) as ExecutionRow | undefined
      if (row) return { outcome: 'cancelled', execution: toExecution(row) }
      const existing = this.sql(q.SELECT_EXECUTION).get(id) as ExecutionRow | undefined
      return existing ? { outcome: 'terminal', execution: toExecution(existing) } : { outcome: 'not_found' }
    })
    const result = run.immediate()
    if (result.outcome === 'cancelled') this.local.notify()
    return result
  }

  async forkExecution(input: NewExecution, from: string, beforePosition: number): Promise<CreateResult> {
    const run = this.db.transaction((): CreateResult => {
      const result = this.insertOrFind(input)
      if (result.outcome !== 'created') return result
      this.sql(q.SET_RERUN_OF).run({ from, id: input.id })
      this.sql(q.COPY_STEPS).run({ from, to: input.id, before: beforePosition })
      return { outcome: 'created', execution: { ...result.execution, rerunOf: from } }
    })
    return run.immediate()
  }

  async retryExecution(id: string, now: number, deadlineAt: number | null): Promise<RepairResult> {
    const run = this.db.transaction((): RepairResult => {
      const row = this.sql(q.RETRY).get({ now, deadline: deadlineAt, id }) as ExecutionRow | undefined
      if (row) {
        this.sql(q.DELETE_FAILED_STEPS).run(id)
        return { outcome: 'changed', execution: toExecution(row) }
      }
      const existing = this.sql(q.SELECT_EXECUTION).get(id) as ExecutionRow | undefined
      return existing ? { outcome: 'refused', execution: toExecution(existing) } : { outcome: 'not_found' }
    })
    const result = run.immediate()
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
    const run = this.db.transaction((): number => {
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
    })
    return run.immediate()
  }

  async claim(options: ClaimOptions): Promise<Claim[]> {
    // A cheap read first: most polls find nothing and should not take the write lock.
    const filter = {
      now: options.now,
      workflows: JSON.stringify(options.workflows),
      versions: options.versions ? JSON.stringify(options.versions) : null,
    }
    if (!this.sql(q.SELECT_DUE).get({ ...filter, limit: 1 })) return []
    const run = this.db.transaction((): Claim[] => {
      const due = this.sql(q.SELECT_DUE).all({ ...filter, limit: options.limit }) as { id: string }[]
      const claims: Claim[] = []
      for (const { id } of due) {
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
    })
    return run.immediate()
  }

  async nextDueAt(workflows: string[]): Promise<number | null> {
    const row = this.sql(q.NEXT_DUE).get(JSON.stringify(workflows)) as { due: number | null }
    return row.due
  }

  async heartbeat(leases: Lease[], now: number, leaseMs: number): Promise<string[]> {
    if (leases.length === 0) return []
    const run = this.db.transaction((): string[] => {
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
    })
    return run.immediate()
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
    const run = this.db.transaction(() => {
      const expired = this.sql(q.EXPIRE_LEASES_OF).run(now, now, workerId, now).changes
      this.sql(q.DELETE_WORKER).run(workerId)
      return expired
    })
    const expired = run.immediate()
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

  async commit(writes: FencedWrite[]): Promise<WriteOutcome[]> {
    const outcomes = this.db.transaction(() => commitWrites((text) => this.sql(text), writes)).immediate()
    if (handedBack(outcomes)) this.local.notify()
    return outcomes
  }
}

/** The columns of a new row: pending at its run time, or already claimed by the caller. */
function insertParams(input: NewExecution) {
  const { claim, ...rest } = input
  const leaseExpiresAt = claim ? input.now + claim.leaseMs : null
  return {
    ...rest,
    status: claim ? 'running' : 'pending',
    dueAt: leaseExpiresAt ?? input.runAt,
    leaseOwner: claim?.workerId ?? null,
    leaseToken: claim ? 1 : 0,
    leaseExpiresAt,
    attempt: claim ? 1 : 0,
  }
}
