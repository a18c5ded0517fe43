import pg from 'pg'
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
import { flowState, initialState, newRecord, newRowValues } from '../initial-state.ts'
import { lockOrder } from '../commit-plan.ts'
import { decideCancel } from '../cancel-plan.ts'
import { commitKnown, commitWrites } from './commit.ts'
import { KnownRows } from '../known-rows.ts'
import { listen } from './wake-ups.ts'
import { KeptConnection } from './kept-connection.ts'
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

/** SQLSTATE of a transaction PostgreSQL chose to fail to break a deadlock. */
const DEADLOCK_DETECTED = '40P01'

/** One item's answer from zart_create_executions / zart_deliver_events, with the row as JSON. */
type BatchResult =
  | { outcome: 'created' | 'delivered' | 'buffered' | 'duplicate' | 'terminal'; row: ExecutionRow }
  | { outcome: 'existing'; matchedBy: 'id' | 'idempotency_key'; row: ExecutionRow }
  | { outcome: 'not_found' | 'retry' }
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

/** A row of QUEUE_COUNTS. */
interface CountRow {
  queue: string
  running: number
  starts: number
  oldest: number | null
}

export interface PostgresStoreOptions {
  /**
   * Connections kept in the pool (default 10). A worker needs about three: claim, commit,
   * heartbeat. From two up, one of them is kept for single statements (KeptConnection).
   */
  poolSize?: number
  /** Use this schema (it must exist) instead of the connection's default search path. */
  schema?: string
}

const INT8_OID = 20
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/**
 * PostgreSQL store: pooled `pg` connections, `FOR UPDATE SKIP LOCKED` claims, a whole
 * group commit in one round trip (the `zart_commit` function), and LISTEN/NOTIFY so a
 * worker in another process hears at once that something became due.
 *
 * @example
 * const store = new PostgresStore('postgres://zart@db.internal/zart', { poolSize: 20 })
 * const zart = await createZart({ db: store, workflows })
 */
export class PostgresStore implements Store {
  readonly dialect = 'postgres'
  private readonly pool: pg.Pool
  /** Single statements, on one connection kept out of the pool while it is free. */
  private readonly statements: KeptConnection
  private readonly config: pg.ClientConfig
  private readonly listeners = new Set<() => Promise<void>>()
  /** Rows of the executions held here under a lease, for commits decided before any round trip. */
  private readonly known = new KnownRows()

  constructor(url: string, options: PostgresStoreOptions = {}) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new ZartError(
        'INVALID_INPUT',
        `schema "${options.schema}" is not a plain identifier: use letters, digits and _`,
      )
    }
    this.config = {
      connectionString: url,
      // Times are BIGINT milliseconds: read them as numbers, not strings.
      types: {
        getTypeParser: ((oid: number, format?: 'text') =>
          oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
      ...(options.schema !== undefined && { options: `-c search_path=${options.schema}` }),
    }
    this.pool = new pg.Pool({ ...this.config, max: options.poolSize ?? 10 })
    this.statements = new KeptConnection(this.pool)
    // An idle connection the server dropped must not crash the process; the next query reconnects.
    this.pool.on('error', () => {})
  }

  async migrate(): Promise<MigrationResult> {
    const known = loadMigrations('postgres')
    return this.transaction(async (client) => {
      await client.query(q.MIGRATION_LOCK)
      await client.query(q.CREATE_MIGRATIONS_TABLE)
      const applied = (await client.query<{ name: string }>(q.SELECT_MIGRATIONS)).rows.map((r) => r.name)
      const pending = pendingMigrations(known, applied)
      for (const migration of pending) {
        // The row goes in first: a migrator that got past the lock anyway fails on the key.
        await client.query(q.INSERT_MIGRATION, [migration.name, Date.now()])
        await client.query(migration.sql)
      }
      return { applied: pending.map((m) => m.name), current: known.at(-1)?.name ?? null }
    })
  }

  async migrationStatus(): Promise<MigrationStatus> {
    const [table] = (await this.pool.query<{ present: boolean }>(q.MIGRATIONS_TABLE_EXISTS)).rows
    const applied = table?.present
      ? (await this.pool.query<{ name: string }>(q.SELECT_MIGRATIONS)).rows.map((r) => r.name)
      : []
    return compareMigrations(loadMigrations('postgres'), applied)
  }

  async close(): Promise<void> {
    await Promise.all([...this.listeners].map((stop) => stop()))
    this.statements.release()
    if (!this.pool.ended) await this.pool.end()
  }

  async createExecution(input: NewExecution): Promise<CreateResult> {
    const [result] = await this.createExecutions([input])
    if (!result)
      throw new ZartError('INTERNAL', `execution "${input.id}" could not be created nor found; retry the call`)
    return result
  }

  /**
   * Many schedules in one statement (see migration 0003), applied in the order asked.
   * The client batches concurrent schedules here. An input whose blocking row was pruned
   * between the insert and the read ('retry') goes again, at most twice more.
   */
  async createExecutions(inputs: NewExecution[]): Promise<CreateResult[]> {
    const [only] = inputs
    if (inputs.length === 1 && only && flowState(only).dedupeKey === null) {
      const created = await this.createOne(only)
      if (created) return [created]
    }
    const results: CreateResult[] = []
    let todo = inputs.map((_, i) => i)
    for (let attempt = 0; attempt < 3 && todo.length > 0; attempt++) {
      const asked = todo
      const rows = await this.retryingDeadlock(() =>
        this.rows<{ results: BatchResult[] }>(q.CREATE_EXECUTIONS, [
          JSON.stringify(asked.map((i) => newRow(inputs[i] as NewExecution))),
        ]),
      )
      todo = []
      asked.forEach((i, k) => {
        const result = rows[0]?.results[k]
        if (result?.outcome === 'created') {
          const execution = toExecution(result.row)
          // Created claimed for a worker here: its first step commit may go without a lock-and-read.
          if (inputs[i]?.claim) this.known.held([execution])
          results[i] = { outcome: 'created', execution }
        } else if (result?.outcome === 'existing') {
          results[i] = { outcome: 'existing', execution: toExecution(result.row), matchedBy: result.matchedBy }
        } else todo.push(i)
      })
    }
    if (todo.length > 0) {
      throw new ZartError(
        'INTERNAL',
        `execution "${inputs[todo[0] ?? 0]?.id}" could not be created nor found; retry the call`,
      )
    }
    return results
  }

  /** One new execution without a dedupe key, if its id and idempotency key are free (see CREATE_ONE). */
  private async createOne(input: NewExecution): Promise<CreateResult | null> {
    const state = initialState(input)
    const flow = flowState(input)
    const created = await this.statements.command(q.CREATE_ONE, newRowValues(input, state, flow))
    if (created !== 1) return null
    const execution = newRecord(input, state, flow)
    // Created claimed for a worker here: its first step commit may go without a lock-and-read.
    if (input.claim) this.known.held([execution])
    return { outcome: 'created', execution }
  }

  /**
   * Runs a batch statement again when PostgreSQL broke a deadlock by failing it: two
   * schedule batches naming the same ids in different orders can wait on each other's
   * unique index entries. The statement rolled back as a whole, so running it again is safe.
   */
  private async retryingDeadlock<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run()
      } catch (error) {
        if (attempt >= 3 || (error as { code?: string }).code !== DEADLOCK_DETECTED) throw error
      }
    }
  }

  async getExecution(id: string): Promise<ExecutionRecord | undefined> {
    const row = (await this.rows<ExecutionRow>(q.SELECT_EXECUTION, [id]))[0]
    return row && toExecution(row)
  }

  async getSteps(id: string): Promise<StepRecord[]> {
    return (await this.rows<StepRow>(q.SELECT_STEPS, [id])).map(toStep)
  }

  async listExecutions(filter: ListFilter): Promise<ListPage> {
    const before = filter.cursor === undefined ? null : decodeCursor(filter.cursor)
    const rows = await this.rows<ExecutionRow>(q.LIST_EXECUTIONS, [
      filter.status ?? null,
      filter.workflow ?? null,
      before,
      filter.limit + 1,
    ])
    const page = rows.slice(0, filter.limit)
    const last = page.at(-1)
    return {
      executions: page.map(toExecution),
      nextCursor: rows.length > filter.limit && last ? encodeCursor(last.seq) : null,
    }
  }

  async deliverEvent(event: NewEvent): Promise<DeliverResult> {
    const [result] = await this.deliverEvents([event])
    if (!result) throw new ZartError('INTERNAL', 'event delivery returned no result; retry the call')
    return result
  }

  /** Many events in one statement (see migration 0003): the client batches concurrent deliveries here. */
  async deliverEvents(events: NewEvent[]): Promise<DeliverResult[]> {
    if (events.length === 0) return []
    const ids = events.map((e) => e.executionId)
    const lockIds = [...new Set(lockOrder(ids).map((i) => ids[i]))]
    const results = await this.retryingDeadlock(() =>
      this.rows<{ results: BatchResult[] }>(q.DELIVER_EVENTS, [JSON.stringify(events), JSON.stringify(lockIds)]),
    )
    return events.map((_, i): DeliverResult => {
      const result = results[0]?.results[i]
      if (result?.outcome === 'not_found') return { outcome: 'not_found' }
      if (!result || !('row' in result))
        throw new ZartError('INTERNAL', 'event delivery gave no answer; retry the call')
      if (result.outcome === 'terminal') return { outcome: 'terminal', execution: toExecution(result.row) }
      return { outcome: result.outcome as 'delivered' | 'buffered' | 'duplicate', execution: toExecution(result.row) }
    })
  }

  async cancelExecution(id: string, now: number, errorJson: string): Promise<CancelResult> {
    return this.retryingDeadlock(() =>
      this.transaction(async (client): Promise<CancelResult> => {
        let { rows } = await client.query<ExecutionRow>({ ...q.CANCEL_TREE, values: [id] })
        // The tree was read from the statement's snapshot: a child that a commit started
        // while this waited for a row lock is not in it. Read again, holding the locks (a
        // locked execution starts no child), until nothing new shows.
        for (;;) {
          const again = await client.query<ExecutionRow>({ ...q.CANCEL_TREE, values: [id] })
          if (again.rows.length === rows.length) break
          rows = again.rows
        }
        const decision = decideCancel(id, new Map(rows.map((r) => [r.id, toExecution(r)])), now, errorJson)
        if (decision.outcome !== 'cancelled') return decision
        await client.query({
          ...q.APPLY_CANCEL,
          values: [
            JSON.stringify(decision.executions.map(updatedColumns)),
            JSON.stringify(decision.events.map(inboxEventColumns)),
          ],
        })
        return { outcome: 'cancelled', execution: decision.execution, cascaded: decision.cascaded }
      }),
    )
  }

  async listChildren(parentId: string, limit: number): Promise<ExecutionRecord[]> {
    return (await this.rows<ExecutionRow>(q.LIST_CHILDREN, [parentId, limit])).map(toExecution)
  }

  async forkExecution(input: NewExecution, from: string, beforePosition: number): Promise<CreateResult> {
    return this.transaction(async (client) => {
      const { rows } = await client.query<{ results: BatchResult[] }>({
        ...q.CREATE_EXECUTIONS,
        values: [JSON.stringify([newRow(input)])],
      })
      const result = rows[0]?.results[0]
      if (result?.outcome === 'existing') {
        return { outcome: 'existing', execution: toExecution(result.row), matchedBy: result.matchedBy }
      }
      if (result?.outcome !== 'created') {
        throw new ZartError('INTERNAL', `execution "${input.id}" could not be created nor found; retry the call`)
      }
      await client.query({ ...q.FILL_FORK, values: [input.id, from, beforePosition] })
      return { outcome: 'created', execution: { ...toExecution(result.row), rerunOf: from } }
    })
  }

  async retryExecution(id: string, now: number, deadlineAt: number | null): Promise<RepairResult> {
    const row = (await this.rows<ExecutionRow>(q.RETRY, [now, deadlineAt, id]))[0]
    if (row) return { outcome: 'changed', execution: toExecution(row) }
    const existing = await this.getExecution(id)
    return existing ? { outcome: 'refused', execution: existing } : { outcome: 'not_found' }
  }

  async setPaused(id: string, paused: boolean, now: number): Promise<RepairResult> {
    const row = (await this.rows<ExecutionRow>(q.SET_PAUSED, [paused ? 1 : 0, now, id]))[0]
    if (row) return { outcome: 'changed', execution: toExecution(row) }
    const existing = await this.getExecution(id)
    return existing ? { outcome: 'refused', execution: existing } : { outcome: 'not_found' }
  }

  async pruneExecutions(filter: PruneFilter): Promise<number> {
    return (await this.rows<{ id: string }>(q.PRUNE, [filter.before, filter.statuses, filter.limit])).length
  }

  async claim(options: ClaimOptions): Promise<Claim[]> {
    const result = await this.rows<ExecutionRow & { queued: boolean }>(q.CLAIM, [
      options.now,
      options.workflows,
      options.limit,
      options.workerId,
      options.now + options.leaseMs,
      options.versions ?? null,
    ])
    const rows: ExecutionRow[] = result.filter((r) => r.id !== null)
    if (rows.length < options.limit && result[0]?.queued) {
      rows.push(...(await this.claimQueued(options, options.limit - rows.length)))
    }
    // Steps are written only under a lease (or copied into a fork), so a first claim has none to read: skipping
    // the query saves a round trip on every new execution.
    // A fork (rerun_of) has copied steps from its first claim on.
    const claimed = rows.map(toExecution)
    this.known.held(claimed)
    const resumed = rows.filter((r) => r.attempt > 1 || r.rerun_of !== null).map((r) => r.id)
    if (resumed.length === 0) return claimed.map((execution) => ({ execution, steps: [] }))
    // Read after the claim committed: a step the previous holder committed before losing
    // its lease is then always visible (one snapshot for both could miss it).
    const steps = await this.rows<StepRow>(q.SELECT_STEPS_OF, [resumed])
    const byExecution = new Map<string, StepRecord[]>()
    for (const step of steps) {
      const list = byExecution.get(step.execution_id) ?? []
      list.push(toStep(step))
      byExecution.set(step.execution_id, list)
    }
    return claimed.map((execution) => ({ execution, steps: byExecution.get(execution.id) ?? [] }))
  }

  /**
   * Claims due executions of queues within their limits: the queues' rows are locked first,
   * so claimers of one queue take turns and each counts the others' claims (queue-plan.ts
   * decides which rows go). Only runs when the fast claim saw queued rows due.
   */
  private async claimQueued(options: ClaimOptions, capacity: number): Promise<ExecutionRow[]> {
    const versions = options.versions ?? null
    const queues = (await this.rows<{ queue: string }>(q.DUE_QUEUES, [options.now])).map((r) => r.queue)
    if (queues.length === 0) return []
    return this.transaction(async (client) => {
      const locked = (await client.query<QueueRow>({ ...q.LOCK_QUEUES, values: [queues] })).rows
      const definitions = new Map(locked.map((r) => [r.name, toQueue(r)]))
      const counts = (await client.query<CountRow>({ ...q.QUEUE_COUNTS, values: [queues, options.now] })).rows
      const states = new Map<string, QueueState>(
        counts.map((c) => [c.queue, { definition: definitions.get(c.queue), running: c.running, starts: c.starts }]),
      )
      const names = [...states.keys()]
      const candidates = (
        await client.query<CandidateRow>({
          ...q.QUEUE_CANDIDATES,
          values: [
            options.now,
            options.workflows,
            versions,
            names,
            names.map((name) => candidateLimit(capacity, states.get(name))),
            names.map((name) => isFull(states.get(name) as QueueState)),
            names.map((name) => states.get(name)?.definition?.keyConcurrency ?? null),
          ],
        })
      ).rows
      const ids = admitQueued(inClaimOrder([candidates.map(toCandidate)]), states, capacity)
      if (ids.length === 0) return []
      const expires = options.now + options.leaseMs
      return (
        await client.query<ExecutionRow>({ ...q.CLAIM_QUEUED, values: [ids, options.now, options.workerId, expires] })
      ).rows
    })
  }

  async setQueue(definition: QueueDefinition, now: number): Promise<void> {
    await this.rows(q.UPSERT_QUEUE, queueColumns(definition, now))
  }

  async listQueues(): Promise<QueueDefinition[]> {
    return (await this.rows<QueueRow>(q.LIST_QUEUES, [])).map(toQueue)
  }

  async queueStanding(id: string, now: number): Promise<QueueStanding | undefined> {
    const row = (await this.rows<StandingRow>(q.QUEUE_STANDING, [id, now]))[0]
    if (!row) return undefined
    const [queueRow] = await this.rows<QueueRow>(q.SELECT_QUEUES, [[row.queue]])
    const [counts] = await this.rows<CountRow>(q.QUEUE_COUNTS, [[row.queue], now])
    return toStanding(row, queueRow && toQueue(queueRow), {
      starts: counts?.starts ?? 0,
      oldest: counts?.oldest ?? null,
    })
  }

  async nextDueAt(workflows: string[]): Promise<number | null> {
    return (await this.rows<{ due: number | null }>(q.NEXT_DUE, [workflows]))[0]?.due ?? null
  }

  async queueDepth(now: number): Promise<QueueDepth> {
    return toQueueDepth(await this.rows<QueueDepthRow>(q.QUEUE_DEPTH, [now]))
  }

  async heartbeat(leases: Lease[], now: number, leaseMs: number): Promise<string[]> {
    if (leases.length === 0) return []
    const sorted = lockOrder(leases.map((l) => l.executionId)).map((i) => leases[i] as Lease)
    const renewed = await this.rows<{ id: string }>(q.HEARTBEAT, [
      sorted.map((l) => l.executionId),
      sorted.map((l) => l.token),
      now + leaseMs,
    ])
    const held = new Set(renewed.map((r) => r.id))
    return leases.filter((l) => !held.has(l.executionId)).map((l) => l.executionId)
  }

  async recordWorker(worker: WorkerRecord): Promise<void> {
    await this.rows(q.UPSERT_WORKER, workerColumns(worker))
    await this.rows(q.FORGET_WORKERS, [worker.lastSeenAt])
  }

  async listWorkers(now: number): Promise<WorkerRecord[]> {
    return (await this.rows<WorkerRow>(q.LIVE_WORKERS, [now])).map(toWorker)
  }

  async removeWorker(id: string): Promise<void> {
    await this.rows(q.DELETE_WORKER, [id])
  }

  async expireLeasesOf(workerId: string, now: number): Promise<number> {
    const expired = await this.rows(q.EXPIRE_LEASES_OF, [workerId, now])
    await this.rows(q.DELETE_WORKER, [workerId])
    return expired.length
  }

  async createTask(task: TaskRecord): Promise<void> {
    await this.rows(q.INSERT_TASK, taskColumns(task))
  }

  async getTask(id: string, owner: string): Promise<TaskRecord | undefined> {
    const row = (await this.rows<TaskRow>(q.SELECT_TASK, [id, owner]))[0]
    return row && toTask(row)
  }

  async listTasks(filter: TaskFilter): Promise<TaskPage> {
    const before = filter.cursor === undefined ? null : decodeCursor(filter.cursor)
    const rows = await this.rows<TaskRow>(q.LIST_TASKS, [filter.owner, before, filter.limit + 1])
    return toTaskPage(rows, filter.limit)
  }

  async createSchedule(schedule: ScheduleRecord): Promise<{ created: boolean; schedule: ScheduleRecord }> {
    const [inserted] = await this.rows<ScheduleRow>(sq.INSERT_SCHEDULE, scheduleColumns(schedule))
    if (inserted) return { created: true, schedule: toSchedule(inserted) }
    const [row] = await this.rows<ScheduleRow>(sq.SELECT_SCHEDULE, [schedule.name])
    // Deleted between the two statements: the caller's add is as good as done.
    return { created: false, schedule: row ? toSchedule(row) : schedule }
  }

  async replaceSchedule(schedule: ScheduleRecord): Promise<void> {
    await this.rows(sq.REPLACE_SCHEDULE, scheduleDefinitionColumns(schedule))
  }

  async getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    const [row] = await this.rows<ScheduleRow>(sq.SELECT_SCHEDULE, [name])
    return row && toSchedule(row)
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return (await this.rows<ScheduleRow>(sq.LIST_SCHEDULES, [])).map(toSchedule)
  }

  async deleteSchedule(name: string): Promise<boolean> {
    return (await this.rows(sq.DELETE_SCHEDULE, [name])).length === 1
  }

  async setSchedulePaused(name: string, paused: boolean, nextTickAt: number | null, now: number): Promise<boolean> {
    return (await this.rows(sq.SET_SCHEDULE_PAUSED, [paused ? 1 : 0, nextTickAt, now, name])).length === 1
  }

  async nextScheduleTick(workflows: string[]): Promise<number | null> {
    const [row] = await this.rows<{ at: string | number | null }>(sq.NEXT_SCHEDULE_TICK, [workflows])
    return row?.at === null || row?.at === undefined ? null : Number(row.at)
  }

  async dueSchedules(now: number, workflows: string[], limit: number): Promise<ScheduleRecord[]> {
    return (await this.rows<ScheduleRow>(sq.DUE_SCHEDULES, [now, workflows, limit])).map(toSchedule)
  }

  async advanceSchedule(advance: ScheduleAdvance): Promise<boolean> {
    return (await this.rows(sq.ADVANCE_SCHEDULE, advanceColumns(advance))).length === 1
  }

  /**
   * Steps, progress and finishes of executions held here: decided against the known rows,
   * applied fenced in one round trip. Otherwise, or when a fence fails: lock and read,
   * decide (commit-plan.ts), apply, in one transaction of two round trips.
   */
  async commit(writes: FencedWrite[]): Promise<WriteOutcome[]> {
    if (writes.length === 0) return []
    const known = this.known.decide(writes)
    if (known && (await this.retryingDeadlock(() => commitKnown(this.statements, known)))) {
      this.known.committed(writes, known.rows, known.changes)
      return known.outcomes
    }
    // commitWrites sends BEGIN and COMMIT itself, each with its neighbour statement.
    const { outcomes, rows, changes } = await this.retryingDeadlock(() =>
      this.withClient((client) => commitWrites(client, writes)),
    )
    this.known.committed(writes, rows, changes)
    return outcomes
  }

  /**
   * Calls `onDue` when any process makes an execution of this schema pending, through a
   * dedicated LISTEN connection that reconnects by itself.
   */
  async subscribe(onDue: () => void): Promise<() => Promise<void>> {
    const stop = await listen(this.config, q.LISTEN, q.CURRENT_SCHEMA, onDue)
    const unsubscribe = async () => {
      this.listeners.delete(unsubscribe)
      await stop()
    }
    this.listeners.add(unsubscribe)
    return unsubscribe
  }

  private async rows<R extends pg.QueryResultRow>(query: q.NamedQuery, values: unknown[]): Promise<R[]> {
    return (await this.statements.query<R>({ ...query, values })).rows
  }

  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN')
      const result = await fn(client)
      await client.query('COMMIT')
      return result
    })
  }

  /** Runs `fn` on one pooled connection, rolling back what a failure left open. */
  private async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    try {
      const result = await fn(client)
      client.release()
      return result
    } catch (error) {
      // A connection whose rollback fails is in an unknown state: drop it from the pool.
      const broken = await client.query('ROLLBACK').then(
        () => undefined,
        (e: unknown) => e as Error,
      )
      client.release(broken)
      throw error
    }
  }
}

/** What zart_create_executions reads of a new execution. */
function newRow(input: NewExecution) {
  return { ...input, ...initialState(input), ...flowState(input) }
}
