import mysql from 'mysql2/promise'
import { ZartError } from '../../errors.ts'
import { decodeCursor, encodeCursor } from '../cursor.ts'
import { compareMigrations, loadMigrations, pendingMigrations } from '../migrations.ts'
import type {
  CancelResult,
  Claim,
  ClaimOptions,
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
import { flowState, initialState, newRecord, newRowValues } from '../initial-state.ts'
import { KnownRows } from '../known-rows.ts'
import { lockOrder } from '../commit-plan.ts'
import { decideCancel } from '../cancel-plan.ts'
import { commitKnown, commitWrites, knownTrip, insertEvents, updateRows } from './commit.ts'
import { BEGIN, COMMIT, run, type Connection, type Statement } from './round-trip.ts'
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
import { Bell, listen } from './wake-ups.ts'
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
  UPDATED_COLUMNS,
  updatedColumns,
  toQueue,
  queueColumns,
  type QueueRow,
} from '../rows.ts'
import type { QueueDefinition } from '../../queues.ts'
import { admitQueued, candidateLimit, inClaimOrder, isFull, type QueueState } from '../queue-plan.ts'
import { toQueueDepth, type QueueDepthRow } from '../queue-depth.ts'
import { toCandidate, toStanding, type CandidateRow, type StandingRow } from '../queue-rows.ts'

export interface MysqlStoreOptions {
  /** Connections kept in the pool (default 10). A worker needs about three: claim, commit, heartbeat. */
  poolSize?: number
}

const DUPLICATE_KEY = 1062
/** ER_LOCK_DEADLOCK: the server rolled back the transaction to break a deadlock. */
const DEADLOCK = 1213

function isDeadlock(error: unknown): boolean {
  return (error as { errno?: number } | null)?.errno === DEADLOCK
}

/**
 * MySQL 8 / MariaDB 10.6+ store: pooled mysql2 connections, `FOR UPDATE SKIP LOCKED`
 * claims, and a whole group commit sent as one multi-statement round trip. MySQL has no
 * LISTEN/NOTIFY: a worker keeps one connection asleep in the server, and a process that
 * makes work due (schedules, delivers an event, cancels, retries, resumes) interrupts those
 * sleeps with KILL QUERY (see wake-ups.ts); the short poll (`pollMs`, default 50 ms) stays
 * as the fallback. In the same process workers are poked at once.
 *
 * @example
 * const store = new MysqlStore('mysql://zart:secret@db.internal/zart', { poolSize: 20 })
 */
export class MysqlStore implements Store {
  readonly dialect = 'mysql'
  private readonly pool: mysql.Pool
  private readonly url: string
  /** This store's listeners (see `subscribe`), by the stop function `subscribe` returned. */
  private readonly listeners = new Map<() => Promise<void>, () => number | null>()
  /** The same subscribers, told directly of this store's own changes (see `wake`). */
  private readonly local = new LocalWakeUps()
  /** Rows this store's claims and commits left, for one-round-trip commits (src/storage/known-rows.ts). */
  private readonly known = new KnownRows()
  /** Rings other processes' listeners (see `Bell`). */
  private readonly bell: Bell
  /** The wake-up on its way to other processes' listeners, if any (see `wake`). */
  private ringing: Promise<void> | null = null
  private ringAgain = false

  constructor(url: string, options: MysqlStoreOptions = {}) {
    this.url = url
    this.pool = mysql.createPool({
      uri: url,
      connectionLimit: options.poolSize ?? 10,
      // One round trip for a whole transaction; values are still escaped by placeholders.
      multipleStatements: true,
      charset: 'utf8mb4',
    })
    this.bell = new Bell(() => mysql.createPool({ uri: url, connectionLimit: 1, charset: 'utf8mb4' }))
  }

  /**
   * Calls `onDue` when another process makes work due on this database, through a
   * connection of its own asleep in the server that `wake` interrupts (see wake-ups.ts).
   */
  async subscribe(onDue: () => void): Promise<() => Promise<void>> {
    const listener = await listen({ uri: this.url, charset: 'utf8mb4' }, onDue, (id) => this.bell.interrupt(id))
    const removeLocal = this.local.add(onDue)
    const unsubscribe = async () => {
      this.listeners.delete(unsubscribe)
      removeLocal()
      await listener.stop()
    }
    this.listeners.set(unsubscribe, listener.threadId)
    return unsubscribe
  }

  /**
   * Tells this process's subscribers, and other processes' listeners, that something became
   * due, after the change committed. Not awaited by the caller; rings that come while one is
   * on its way make one more after it, so the last change is always rung after it committed.
   */
  private wake(): void {
    this.local.notify()
    if (this.ringing) {
      this.ringAgain = true
      return
    }
    const own = new Set([...this.listeners.values()].map((id) => id()).filter((id) => id !== null))
    this.ringing = this.bell
      .ring(own)
      .catch(() => {
        // No wake-up: the workers' poll finds the work, later.
      })
      .finally(() => {
        this.ringing = null
        if (!this.ringAgain) return
        this.ringAgain = false
        this.wake()
      })
  }

  async migrate(): Promise<MigrationResult> {
    const known = loadMigrations('mysql')
    const connection = await this.pool.getConnection()
    try {
      const [lock] = await connection.query<mysql.RowDataPacket[]>(q.MIGRATION_LOCK)
      if (!lock[0]?.db)
        throw new ZartError('INVALID_INPUT', 'the mysql:// URL names no database: use mysql://USER@HOST/DATABASE')
      if (lock[0].locked !== 1)
        throw new ZartError('INTERNAL', 'another zart holds the migration lock; try again when it has finished')
      try {
        await connection.query(q.CREATE_MIGRATIONS_TABLE)
        const [rows] = await connection.query<mysql.RowDataPacket[]>(q.SELECT_MIGRATIONS)
        const pending = pendingMigrations(
          known,
          rows.map((r) => String(r.name)),
        )
        for (const migration of pending) {
          // DDL commits by itself in MySQL, so the lock (not a transaction) keeps migrators
          // apart, and the row goes in only once the migration has applied.
          await connection.query(migration.sql)
          await connection.query(q.INSERT_MIGRATION, [migration.name, Date.now()])
        }
        return { applied: pending.map((m) => m.name), current: known.at(-1)?.name ?? null }
      } finally {
        await connection.query(q.MIGRATION_UNLOCK)
      }
    } finally {
      connection.release()
    }
  }

  async migrationStatus(): Promise<MigrationStatus> {
    const [table] = await this.pool.query<mysql.RowDataPacket[]>(q.MIGRATIONS_TABLE_EXISTS)
    const applied =
      Number(table[0]?.present) > 0
        ? (await this.pool.query<mysql.RowDataPacket[]>(q.SELECT_MIGRATIONS))[0].map((r) => String(r.name))
        : []
    return compareMigrations(loadMigrations('mysql'), applied)
  }

  async close(): Promise<void> {
    while (this.ringing) await this.ringing
    await Promise.all([...this.listeners.keys()].map((stop) => stop()))
    await this.bell.end()
    await this.pool.end()
  }

  async createExecution(input: NewExecution): Promise<CreateResult> {
    // A row that blocked the insert can be pruned before it is re-read; then insert again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await this.insertOrFind(input)
      if (result?.outcome === 'created' && result.execution.status === 'pending') this.wake()
      // Created claimed for a worker here: its first step commit may go in one round trip.
      if (result?.outcome === 'created' && input.claim) this.known.held([result.execution])
      if (result) return result
    }
    throw new ZartError('INTERNAL', `execution "${input.id}" could not be created nor found; retry the call`)
  }

  /**
   * Several schedules, one after another in the order asked: concurrent schedule calls
   * (batched by the client) then meet the same id in call order, as on the other stores.
   */
  async createExecutions(inputs: NewExecution[]): Promise<CreateResult[]> {
    const results: CreateResult[] = []
    for (const input of inputs) results.push(await this.createExecution(input))
    return results
  }

  private async insertOrFind(input: NewExecution): Promise<CreateResult | undefined> {
    const state = initialState(input)
    const flow = flowState(input)
    if (flow.dedupeKey !== null) await this.pool.query(q.RELEASE_DEDUPE, [input.workflow, flow.dedupeKey, input.now])
    try {
      await this.pool.query(q.INSERT_EXECUTION, newRowValues(input, state, flow))
      return { outcome: 'created', execution: newRecord(input, state, flow) }
    } catch (error) {
      if ((error as { errno?: number }).errno !== DUPLICATE_KEY) throw error
    }
    // Only pruning deletes rows (old, finished ones): what blocked the insert is normally still there.
    const byId = await this.getExecution(input.id)
    if (byId) return { outcome: 'existing', execution: byId, matchedBy: 'id' }
    const [rows] = await this.pool.query<mysql.RowDataPacket[]>(q.SELECT_BY_IDEMPOTENCY_KEY, [input.idempotencyKey])
    const byKey = rows[0] as ExecutionRow | undefined
    if (byKey) return { outcome: 'existing', execution: toExecution(byKey), matchedBy: 'idempotency_key' }
    if (flow.dedupeKey !== null) {
      const [held] = await this.pool.query<mysql.RowDataPacket[]>(q.SELECT_BY_DEDUPE, [input.workflow, flow.dedupeKey])
      const byDedupe = held[0] as ExecutionRow | undefined
      if (byDedupe) return { outcome: 'existing', execution: toExecution(byDedupe), matchedBy: 'dedupe' }
    }
    // Only pruning deletes rows: the blocking row was pruned between the insert and the reads.
    return undefined
  }

  async getExecution(id: string): Promise<ExecutionRecord | undefined> {
    const [rows] = await this.pool.query<mysql.RowDataPacket[]>(q.SELECT_EXECUTION, [id])
    const row = rows[0] as ExecutionRow | undefined
    return row && toExecution(row)
  }

  async getSteps(id: string): Promise<StepRecord[]> {
    const [rows] = await this.pool.query<mysql.RowDataPacket[]>(q.SELECT_STEPS, [id])
    return (rows as StepRow[]).map(toStep)
  }

  async listExecutions(filter: ListFilter): Promise<ListPage> {
    const status = filter.status ?? null
    const workflow = filter.workflow ?? null
    const before = filter.cursor === undefined ? null : decodeCursor(filter.cursor)
    const [rows] = await this.pool.query<mysql.RowDataPacket[]>(q.LIST_EXECUTIONS, [
      status,
      status,
      workflow,
      workflow,
      before,
      before,
      filter.limit + 1,
    ])
    const page = (rows as ExecutionRow[]).slice(0, filter.limit)
    const last = page.at(-1)
    return {
      executions: page.map(toExecution),
      nextCursor: rows.length > filter.limit && last ? encodeCursor(last.seq) : null,
    }
  }

  async deliverEvent(event: NewEvent): Promise<DeliverResult> {
    // One round trip: the statements decide among themselves whether the event is stored
    // and wakes the execution; their results say which of the outcomes it was.
    const { executionId, eventId, now } = event
    const result = await this.withConnection(async (connection): Promise<DeliverResult> => {
      const [, , locked, seen, stored, , woke, after] = await run(connection, [
        ...BEGIN,
        { sql: q.LOCK_EXECUTION, values: [executionId] },
        { sql: q.EVENT_EXISTS, values: [executionId, eventId] },
        {
          sql: q.INSERT_EVENT,
          values: [executionId, event.name, eventId, event.payloadJson, now, executionId, executionId, eventId],
        },
        { sql: q.NOTE_STORED, values: [] },
        { sql: q.WAKE_WAITER, values: [now, now, executionId, event.name] },
        { sql: q.SELECT_EXECUTION, values: [executionId] },
        COMMIT,
      ])
      const row = (locked as ExecutionRow[])[0]
      if (!row) return { outcome: 'not_found' }
      const before = toExecution(row)
      if (eventId !== null && Number((seen as { seen: number }[])[0]?.seen) > 0) {
        return { outcome: 'duplicate', execution: before }
      }
      if ((stored as mysql.ResultSetHeader).affectedRows === 0) return { outcome: 'terminal', execution: before }
      return (woke as mysql.ResultSetHeader).affectedRows > 0
        ? { outcome: 'delivered', execution: toExecution((after as ExecutionRow[])[0] ?? row) }
        : { outcome: 'buffered', execution: before }
    })
    if (result.outcome === 'delivered') this.wake()
    return result
  }

  /** Several deliveries, one after another in the order asked (see `createExecutions`). */
  async deliverEvents(events: NewEvent[]): Promise<DeliverResult[]> {
    const results: DeliverResult[] = []
    for (const event of events) results.push(await this.deliverEvent(event))
    return results
  }

  async cancelExecution(id: string, now: number, errorJson: string): Promise<CancelResult> {
    return this.withConnection(async (connection): Promise<CancelResult> => {
      const locked = await run(connection, [...BEGIN, { sql: q.CANCEL_TREE, values: [id, id] }])
      let found = locked[BEGIN.length] as ExecutionRow[]
      // The tree was read before the row locks were granted: a child that a commit
      // started while this waited is not in it. Read again, holding the locks (a locked
      // execution starts no child), until nothing new shows.
      for (;;) {
        const [again] = await run(connection, [{ sql: q.CANCEL_TREE, values: [id, id] }])
        if ((again as ExecutionRow[]).length === found.length) break
        found = again as ExecutionRow[]
      }
      const rows = found.map(toExecution)
      const decision = decideCancel(id, new Map(rows.map((r) => [r.id, r])), now, errorJson)
      if (decision.outcome !== 'cancelled') {
        await run(connection, [COMMIT])
        return decision
      }
      await run(connection, [
        updateRows(decision.executions.map(updatedColumns), UPDATED_COLUMNS),
        ...insertEvents(decision.events),
        COMMIT,
      ])
      // A cancelled child's parent may be woken: other processes' workers hear of it at once.
      this.wake()
      return { outcome: 'cancelled', execution: decision.execution, cascaded: decision.cascaded }
    })
  }

  async listChildren(parentId: string, limit: number): Promise<ExecutionRecord[]> {
    const [rows] = await this.pool.query<mysql.RowDataPacket[]>(q.LIST_CHILDREN, [parentId, limit])
    return (rows as ExecutionRow[]).map(toExecution)
  }

  async forkExecution(input: NewExecution, from: string, beforePosition: number): Promise<CreateResult> {
    const state = initialState(input)
    const flow = flowState(input)
    return this.withConnection(async (connection) => {
      try {
        await run(connection, [
          ...BEGIN,
          { sql: q.INSERT_EXECUTION, values: newRowValues(input, state, flow) },
          { sql: q.SET_RERUN_OF, values: [from, input.id] },
          { sql: q.COPY_STEPS, values: [input.id, from, beforePosition] },
          COMMIT,
        ])
      } catch (error) {
        if ((error as { errno?: number }).errno !== DUPLICATE_KEY) throw error
        await connection.query('ROLLBACK')
        const existing = await this.getExecution(input.id)
        if (existing) return { outcome: 'existing', execution: existing, matchedBy: 'id' }
        throw error
      }
      return { outcome: 'created', execution: { ...newRecord(input, state, flow), rerunOf: from } }
    })
  }

  async retryExecution(id: string, now: number, deadlineAt: number | null): Promise<RepairResult> {
    const result = await this.withConnection(async (connection): Promise<RepairResult> => {
      const [, , retried] = await run(connection, [...BEGIN, { sql: q.RETRY, values: [now, deadlineAt, now, id] }])
      if ((retried as mysql.ResultSetHeader).affectedRows > 0) {
        const [, rows] = await run(connection, [
          { sql: q.DELETE_FAILED_STEPS, values: [id] },
          { sql: q.SELECT_EXECUTION, values: [id] },
          COMMIT,
        ])
        const row = (rows as ExecutionRow[])[0]
        if (row) return { outcome: 'changed', execution: toExecution(row) }
      } else await connection.query('COMMIT')
      const existing = await this.getExecution(id)
      return existing ? { outcome: 'refused', execution: existing } : { outcome: 'not_found' }
    })
    if (result.outcome === 'changed') this.wake()
    return result
  }

  async setPaused(id: string, paused: boolean, now: number): Promise<RepairResult> {
    await this.pool.query(q.SET_PAUSED, [paused ? 1 : 0, now, id])
    const existing = await this.getExecution(id)
    if (!existing) return { outcome: 'not_found' }
    // Only unfinished rows change; a finished one is read back as it was.
    if (!paused && !isTerminal(existing.status)) this.wake()
    return isTerminal(existing.status)
      ? { outcome: 'refused', execution: existing }
      : { outcome: 'changed', execution: existing }
  }

  async pruneExecutions(filter: PruneFilter): Promise<number> {
    if (filter.statuses.length === 0) return 0
    return this.withConnection(async (connection) => {
      const [, , locked] = await run(connection, [
        ...BEGIN,
        { sql: q.LOCK_PRUNABLE, values: [filter.before, filter.statuses, filter.limit] },
      ])
      const ids = (locked as { id: string }[]).map((r) => r.id)
      if (ids.length === 0) {
        await connection.query('ROLLBACK')
        return 0
      }
      await run(connection, [
        { sql: q.DELETE_STEPS_IN, values: [ids] },
        { sql: q.DELETE_EVENTS_IN, values: [ids] },
        { sql: q.DELETE_EXECUTIONS_IN, values: [ids] },
        COMMIT,
      ])
      return ids.length
    })
  }

  async claim(options: ClaimOptions): Promise<Claim[]> {
    if (options.workflows.length === 0) return []
    const versions = [options.versions ? 1 : 0, options.versions?.length ? options.versions : ['']]
    const look = {
      sql: q.ANY_DUE,
      values: [options.now, options.workflows, ...versions, options.now, options.workflows],
    }
    // Woken, claim at once (looking for due queued rows in the same round trip); polling,
    // take one light look first, as an idle worker's poll mostly finds nothing.
    const { claims, queued } = options.expectDue
      ? await this.claimPlain(options, versions, look)
      : await this.lookThenClaim(options, versions, look)
    if (queued && claims.length < options.limit) {
      claims.push(...(await this.claimQueued(options, versions, options.limit - claims.length)))
    }
    this.known.held(claims.map((claim) => claim.execution))
    return claims
  }

  /** ANY_DUE (`look`), then the plain claim only if it found due rows outside queues. */
  private async lookThenClaim(
    options: ClaimOptions,
    versions: unknown[],
    look: Statement,
  ): Promise<{ claims: Claim[]; queued: boolean }> {
    const [any] = await this.pool.query<mysql.RowDataPacket[]>(look.sql, look.values)
    const queued = Number(any[0]?.queued ?? 0) === 1
    if (Number(any[0]?.plain ?? 0) !== 1) return { claims: [], queued }
    return { claims: (await this.claimPlain(options, versions)).claims, queued }
  }

  /**
   * The fast path: due rows outside queues, with no limit to look up. With `look`
   * (ANY_DUE), also says, from the same round trip, whether queued rows are due.
   */
  private async claimPlain(
    options: ClaimOptions,
    versions: unknown[],
    look?: Statement,
  ): Promise<{ claims: Claim[]; queued: boolean }> {
    return this.withConnection(async (connection) => {
      const [, , due, any] = await run(connection, [
        ...BEGIN,
        { sql: q.LOCK_DUE, values: [options.now, options.workflows, ...versions, options.limit] },
        ...(look ? [look] : []),
      ])
      const queued = Number((any as { queued?: unknown }[] | undefined)?.[0]?.queued ?? 0) === 1
      const ids = (due as { id: string }[]).map((r) => r.id)
      if (ids.length === 0) {
        await connection.query('ROLLBACK')
        return { claims: [], queued }
      }
      const expires = options.now + options.leaseMs
      const claims = await this.finishClaim(
        connection,
        { sql: q.CLAIM, values: [options.workerId, expires, expires, options.now, ids] },
        ids,
        { owner: options.workerId, expires, now: options.now },
      )
      return { claims, queued }
    })
  }

  /**
   * Claims due executions of queues within their limits: the queues' rows are locked first,
   * so claimers of one queue take turns and each counts the others' claims (queue-plan.ts
   * decides which rows go).
   */
  private async claimQueued(options: ClaimOptions, versions: unknown[], capacity: number): Promise<Claim[]> {
    const [due] = await this.pool.query<mysql.RowDataPacket[]>(q.DUE_QUEUES, [options.now])
    const queues = (due as { queue: string }[]).map((r) => r.queue)
    if (queues.length === 0) return []
    return this.withConnection(async (connection) => {
      const [, , locked, running] = await run(connection, [
        ...BEGIN,
        { sql: q.LOCK_QUEUES, values: [queues] },
        { sql: q.RUNNING_PER_QUEUE, values: [queues] },
      ])
      const definitions = new Map((locked as QueueRow[]).map((r) => [r.name, toQueue(r)]))
      const runningOf = new Map(
        (running as { queue: string; running: number }[]).map((r) => [r.queue, Number(r.running)]),
      )
      const states = new Map<string, QueueState>()
      for (const name of queues) {
        const definition = definitions.get(name)
        const { starts } = await this.startsOf(connection, definition, options.now)
        states.set(name, { definition, running: runningOf.get(name) ?? 0, starts })
      }
      const names = [...states.keys()]
      const [candidates] = await connection.query<mysql.RowDataPacket[]>(
        q.queueCandidates(names.length),
        names.flatMap((name) => {
          const state = states.get(name) as QueueState
          const keyLimit = state.definition?.keyConcurrency ?? null
          const full = isFull(state) ? 1 : 0
          return [
            name,
            full,
            options.now,
            options.workflows,
            ...versions,
            keyLimit,
            keyLimit,
            candidateLimit(capacity, state),
          ]
        }),
      )
      const ids = admitQueued(inClaimOrder([(candidates as CandidateRow[]).map(toCandidate)]), states, capacity)
      if (ids.length === 0) {
        await connection.query('ROLLBACK')
        return []
      }
      const expires = options.now + options.leaseMs
      return this.finishClaim(
        connection,
        { sql: q.CLAIM_QUEUED, values: [options.workerId, expires, expires, options.now, ids, options.now] },
        ids,
        { owner: options.workerId, expires, now: options.now },
      )
    })
  }

  /** Applies a claim statement to `ids`, reads the rows and their steps, and commits. */
  private async finishClaim(
    connection: Connection,
    claim: { sql: string; values: unknown[] },
    ids: string[],
    lease: { owner: string; expires: number; now: number },
  ) {
    const [, rows, steps] = await run(connection, [
      claim,
      { sql: q.SELECT_EXECUTIONS_IN, values: [ids] },
      { sql: q.SELECT_STEPS_IN, values: [ids] },
      COMMIT,
    ])
    const byExecution = new Map<string, StepRecord[]>()
    for (const step of steps as StepRow[]) {
      const list = byExecution.get(step.execution_id) ?? []
      list.push(toStep(step))
      byExecution.set(step.execution_id, list)
    }
    // MySQL's UPDATE returns no rows: a row the claim statement skipped (cancelled, paused
    // or renewed meanwhile) is told apart by the lease this claim wrote.
    const ours = (r: ExecutionRow) =>
      r.status === 'running' &&
      r.lease_owner === lease.owner &&
      r.lease_expires_at === lease.expires &&
      r.updated_at === lease.now
    return (rows as ExecutionRow[])
      .filter(ours)
      .map((row) => ({ execution: toExecution(row), steps: byExecution.get(row.id) ?? [] }))
  }

  private async startsOf(
    connection: Connection | mysql.Pool,
    definition: QueueDefinition | undefined,
    now: number,
  ): Promise<{ starts: number; oldest: number | null }> {
    if (!definition || definition.ratePeriodMs === null) return { starts: 0, oldest: null }
    const [rows] = await connection.query<mysql.RowDataPacket[]>(q.STARTS_SINCE, [
      definition.name,
      now - definition.ratePeriodMs,
    ])
    const row = rows[0] as { starts: number; oldest: number | null } | undefined
    return { starts: Number(row?.starts ?? 0), oldest: row?.oldest == null ? null : Number(row.oldest) }
  }

  async setQueue(definition: QueueDefinition, now: number): Promise<void> {
    await this.pool.query(q.UPSERT_QUEUE, queueColumns(definition, now))
  }

  async listQueues(): Promise<QueueDefinition[]> {
    const [rows] = await this.pool.query<mysql.RowDataPacket[]>(q.LIST_QUEUES)
    return (rows as QueueRow[]).map(toQueue)
  }

  async queueStanding(id: string, now: number): Promise<QueueStanding | undefined> {
    const [rows] = await this.pool.query<mysql.RowDataPacket[]>(q.QUEUE_STANDING, [now, now, id])
    const row = rows[0] as StandingRow | undefined
    if (!row) return undefined
    const [queueRows] = await this.pool.query<mysql.RowDataPacket[]>(q.SELECT_QUEUES, [[row.queue]])
    const queueRow = queueRows[0] as QueueRow | undefined
    const definition = queueRow && toQueue(queueRow)
    return toStanding(row, definition, await this.startsOf(this.pool, definition, now))
  }

  async nextDueAt(workflows: string[]): Promise<number | null> {
    if (workflows.length === 0) return null
    const [rows] = await this.pool.query<mysql.RowDataPacket[]>(q.NEXT_DUE, [workflows])
    const due: unknown = rows[0]?.due
    return due === null || due === undefined ? null : Number(due)
  }

  async queueDepth(now: number): Promise<QueueDepth> {
    const [rows] = await this.pool.query<mysql.RowDataPacket[]>(q.QUEUE_DEPTH, [now])
    return toQueueDepth(rows as QueueDepthRow[])
  }

  async heartbeat(leases: Lease[], now: number, leaseMs: number): Promise<string[]> {
    if (leases.length === 0) return []
    const expires = now + leaseMs
    // Rows are locked in the store's lock order, as group commit locks them: no deadlock.
    leases = lockOrder(leases.map((l) => l.executionId)).map((i) => leases[i] as Lease)
    return this.withConnection(async (connection) => {
      const results = await run(connection, [
        ...BEGIN,
        ...leases.map((l) => ({ sql: q.HEARTBEAT, values: [expires, expires, l.executionId, l.token] })),
        COMMIT,
      ])
      return leases
        .filter((_, i) => !(results[i + BEGIN.length] as mysql.ResultSetHeader).affectedRows)
        .map((l) => l.executionId)
    })
  }

  async recordWorker(worker: WorkerRecord): Promise<void> {
    await this.pool.query(q.UPSERT_WORKER, workerColumns(worker))
    await this.pool.query(q.FORGET_WORKERS, [worker.lastSeenAt])
  }

  async listWorkers(now: number): Promise<WorkerRecord[]> {
    const [rows] = await this.pool.query<mysql.RowDataPacket[]>(q.LIVE_WORKERS, [now])
    return (rows as WorkerRow[]).map(toWorker)
  }

  async removeWorker(id: string): Promise<void> {
    await this.pool.query(q.DELETE_WORKER, [id])
  }

  async expireLeasesOf(workerId: string, now: number): Promise<number> {
    const [result] = await this.pool.query<mysql.ResultSetHeader>(q.EXPIRE_LEASES_OF, [now, now, workerId, now])
    await this.pool.query(q.DELETE_WORKER, [workerId])
    return result.affectedRows
  }

  async createTask(task: TaskRecord): Promise<void> {
    await this.pool.query(q.INSERT_TASK, taskColumns(task))
  }

  async getTask(id: string, owner: string): Promise<TaskRecord | undefined> {
    const [rows] = await this.pool.query<mysql.RowDataPacket[]>(q.SELECT_TASK, [id, owner])
    const row = (rows as TaskRow[])[0]
    return row && toTask(row)
  }

  async listTasks(filter: TaskFilter): Promise<TaskPage> {
    const before = filter.cursor === undefined ? null : decodeCursor(filter.cursor)
    const [rows] = await this.pool.query<mysql.RowDataPacket[]>(q.LIST_TASKS, [
      filter.owner,
      before,
      before,
      filter.limit + 1,
    ])
    return toTaskPage(rows as TaskRow[], filter.limit)
  }

  async commit(writes: FencedWrite[]): Promise<WriteOutcome[]> {
    if (writes.length === 0) return []
    // Only a batch of one execution can go in one round trip (see `knownTrip`).
    const one = writes.every((write) => write.lease.executionId === writes[0]?.lease.executionId)
    const known = one ? this.known.decide(writes) : null
    const trip = known && knownTrip(known)
    // A deadlock broken there every time it ran rolled it back: the usual path below then runs the batch.
    const held =
      trip &&
      (await this.withConnection((connection) => commitKnown(connection, trip)).catch((error: unknown) => {
        if (isDeadlock(error)) return false
        throw error
      }))
    if (known && held) {
      this.known.committed(writes, known.rows, known.changes)
      return known.outcomes
    }
    const { outcomes, rows, changes } = await this.withConnection((connection) => commitWrites(connection, writes))
    this.known.committed(writes, rows, changes)
    if (handedBack(outcomes)) this.wake()
    return outcomes
  }

  async createSchedule(schedule: ScheduleRecord): Promise<{ created: boolean; schedule: ScheduleRecord }> {
    let created = true
    try {
      await this.pool.query(sq.INSERT_SCHEDULE, scheduleColumns(schedule))
    } catch (error) {
      if ((error as { errno?: number }).errno !== DUPLICATE_KEY) throw error
      created = false
    }
    const row = await this.getSchedule(schedule.name)
    return { created, schedule: row ?? schedule }
  }

  async replaceSchedule(schedule: ScheduleRecord): Promise<void> {
    await this.pool.query(sq.REPLACE_SCHEDULE, scheduleDefinitionColumns(schedule))
  }

  async getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    const [rows] = await this.pool.query<mysql.RowDataPacket[]>(sq.SELECT_SCHEDULE, [name])
    const row = (rows as ScheduleRow[])[0]
    return row && toSchedule(row)
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    const [rows] = await this.pool.query<mysql.RowDataPacket[]>(sq.LIST_SCHEDULES)
    return (rows as ScheduleRow[]).map(toSchedule)
  }

  async deleteSchedule(name: string): Promise<boolean> {
    const [result] = await this.pool.query<mysql.ResultSetHeader>(sq.DELETE_SCHEDULE, [name])
    return result.affectedRows === 1
  }

  async setSchedulePaused(name: string, paused: boolean, nextTickAt: number | null, now: number): Promise<boolean> {
    const [result] = await this.pool.query<mysql.ResultSetHeader>(sq.SET_SCHEDULE_PAUSED, [
      paused ? 1 : 0,
      nextTickAt,
      now,
      name,
    ])
    // Matched rows, not changed ones: pausing a paused schedule still finds it.
    return result.affectedRows === 1
  }

  async nextScheduleTick(workflows: string[]): Promise<number | null> {
    if (workflows.length === 0) return null
    const [rows] = await this.pool.query<mysql.RowDataPacket[]>(sq.NEXT_SCHEDULE_TICK, [workflows])
    const at = (rows[0] as { at: number | string | null } | undefined)?.at ?? null
    return at === null ? null : Number(at)
  }

  async dueSchedules(now: number, workflows: string[], limit: number): Promise<ScheduleRecord[]> {
    if (workflows.length === 0) return []
    const [rows] = await this.pool.query<mysql.RowDataPacket[]>(sq.DUE_SCHEDULES, [now, workflows, limit])
    return (rows as ScheduleRow[]).map(toSchedule)
  }

  async advanceSchedule(advance: ScheduleAdvance): Promise<boolean> {
    const [result] = await this.pool.query<mysql.ResultSetHeader>(sq.ADVANCE_SCHEDULE, advanceColumns(advance))
    return result.affectedRows === 1
  }

  /**
   * Runs `fn`, a transaction, on a connection of its own. One the server rolled back to
   * break a deadlock (ER_LOCK_DEADLOCK) is whole and undone, so it is run again, up to
   * three times in all: the store locks rows in one order, but another session need not
   * (an operator's transaction, gap locks at REPEATABLE READ).
   */
  private async withConnection<T>(fn: (connection: Connection) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.onConnection(fn)
      } catch (error) {
        if (attempt >= 3 || !isDeadlock(error)) throw error
      }
    }
  }

  /** Runs `fn` on one pooled connection; a transaction left open by a failure is rolled back. */
  private async onConnection<T>(fn: (connection: Connection) => Promise<T>): Promise<T> {
    const connection = await this.pool.getConnection()
    let broken = false
    try {
      return await fn(connection)
    } catch (error) {
      // After a failed multi-statement the transaction may still be open; if even the
      // rollback fails the connection is in an unknown state and is dropped.
      await connection.query('ROLLBACK').catch(() => (broken = true))
      throw error
    } finally {
      if (broken) connection.destroy()
      else connection.release()
    }
  }
}
