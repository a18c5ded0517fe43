import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { customAlphabet } from 'nanoid'
import { systemClock, type Clock } from '../clock.ts'
import { parseDuration, type Duration } from '../duration.ts'
import { ZartError } from '../errors.ts'
import { setLongInterval, setLongTimeout } from '../timers.ts'
import { canonicalJson } from '../engine/json.ts'
import { silentLogger, type Logger } from '../engine/logger.ts'
import { Batcher } from '../engine/batcher.ts'
import type { Worker, WorkerOptions } from '../engine/worker.ts'
import { traceSchedule, type EngineMetrics } from '../engine/telemetry.ts'
import { childExecutionId, type ChildSpec } from '../engine/child.ts'
import {
  checkWorkflowDefinition,
  toWorkflowDefinition,
  type WorkflowDefinition,
  type WorkflowLike,
} from '../engine/workflow.ts'
import { defaultDatabaseUrl, openStore } from '../storage/open-store.ts'
import { refuseUnknown } from '../storage/migrations.ts'
import {
  isTerminal,
  TERMINAL_STATUSES,
  type ExecutionRecord,
  type MigrationResult,
  type StepRecord,
  type Store,
  type CreateResult,
  type DeliverResult as StoreDeliverResult,
  type NewEvent,
  type NewExecution,
  type TaskPage,
  type TaskRecord,
} from '../storage/store.ts'
import { EVENT_ID, EVENT_NAME, EXECUTION_ID, IDEMPOTENCY_KEY, WORKFLOW_NAME } from '../names.ts'
import {
  checkName,
  checkOneOf,
  EXECUTION_STATUS_ERROR,
  EXECUTION_STATUSES,
  MAX_LIST_LIMIT,
  parseData,
  parseOrThrow,
} from './validate.ts'
import { toExecutionView, type ExecutionView } from './status-view.ts'
import type { AddScheduleResult, RemoveScheduleResult, Schedules, ScheduleInput, ScheduleView } from './schedules.ts'
import { childFlow, declaredQueue, flowOf, queueReason, toQueueView } from './flow-control.ts'
import { checkQueue, type QueueLimits } from '../queues.ts'

import { jsonSchema, notFound, terminal, toJsonInput, undeclaredEvent } from './support.ts'
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  type DeliverResult,
  type ListOptions,
  type ListResult,
  type PruneOptions,
  type PruneResult,
  type QueueDepthView,
  type ReplayCheckOptions,
  type ReplayCheckResult,
  type ReplayFinding,
  type WorkerView,
  type ScheduleOptions,
  type ScheduleResult,
  type QueueView,
  type WaitResult,
  type WorkflowInfo,
  type ZartOptions,
} from './types.ts'

export { DEFAULT_MAX_PAYLOAD_BYTES } from './types.ts'
export type { EngineMetrics } from '../engine/telemetry.ts'
export type { AddScheduleResult, RemoveScheduleResult, ScheduleInput, ScheduleView } from './schedules.ts'
export type { TaskPage, TaskRecord } from '../storage/store.ts'
export type {
  DeliverResult,
  ListOptions,
  ListResult,
  PruneOptions,
  PruneResult,
  QueueDepthView,
  WorkflowDepthView,
  ReplayCheckOptions,
  ReplayCheckResult,
  ReplayFinding,
  ScheduleOptions,
  WorkerView,
  ScheduleResult,
  QueueView,
  WaitResult,
  WorkflowInfo,
  ZartOptions,
} from './types.ts'

/** The slowest a `wait` re-reads an execution that another process may change. */
const MAX_WAIT_POLL_MS = 1000

/**
 * The one client API behind every door (library, CLI, MCP, REST).
 *
 * @example
 * const zart = await createZart({ workflows: [checkout] })
 * zart.startWorker()
 * const { execution_id } = await zart.schedule('checkout', { orderId: 'o-1' })
 * console.log(await zart.wait(execution_id, { timeout: '30s' }))
 */
export class Zart {
  readonly store: Store
  private readonly definitions = new Map<string, WorkflowDefinition>()
  private readonly infos: ReadonlyMap<string, WorkflowInfo>
  private readonly clock: Clock
  private readonly random: () => number
  private readonly logger: Logger
  private readonly waitPollMs: number
  private readonly maxPayloadBytes: number
  private readonly metrics: EngineMetrics | undefined
  private readonly changes = new EventEmitter().setMaxListeners(0)
  private worker: Worker | null = null
  private stopRetention: () => void = () => {}
  /** The cron schedules; loaded with the engine, or on first use by a client opened with `worker: false`. */
  private schedules: Schedules | null = null
  private readonly cronPollMs: number
  /** How long finished executions are kept when `startRetention` runs, else null (for ever). */
  private retentionMs: number | null = null
  private readonly creates: Batcher<NewExecution, CreateResult> | null
  private readonly deliveries: Batcher<NewEvent, StoreDeliverResult> | null
  /** Settles when the latest deliverEvent call has handed its event to the store (or failed). */
  private deliveryTurn: Promise<void> = Promise.resolve()
  private ownsStore: boolean
  /** What runs workflows; null for a client opened with `worker: false`. */
  private readonly engine: Engine | null

  constructor(
    store: Store,
    workflows: readonly WorkflowLike[],
    options: ZartOptions,
    ownsStore: boolean,
    engine: Engine | null,
  ) {
    this.store = store
    this.engine = engine
    const createMany = store.createExecutions?.bind(store)
    this.creates = createMany ? new Batcher(createMany) : null
    const deliverMany = store.deliverEvents?.bind(store)
    this.deliveries = deliverMany ? new Batcher(deliverMany) : null
    this.ownsStore = ownsStore
    this.clock = options.clock ?? systemClock
    this.random = options.random ?? Math.random
    this.logger = options.logger ?? silentLogger
    this.waitPollMs = options.waitPollMs ?? 100
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES
    this.metrics = options.metrics
    for (const item of workflows) {
      const definition = toWorkflowDefinition(item)
      if (!definition) throw new TypeError('not a workflow: pass defineWorkflow(...) results or TaskHandler classes')
      checkWorkflowDefinition(definition)
      if (this.definitions.has(definition.name)) throw new TypeError(`two workflows are named "${definition.name}"`)
      // Refused here, at registration: a bad timeout found only at schedule time (or stored
      // and shown later) would fail far from the code that declared it.
      if (definition.timeout !== undefined) parseDuration(definition.timeout, `workflow "${definition.name}" timeout`)
      this.definitions.set(definition.name, definition)
    }
    // Converted to JSON Schema once: status views and listings show them on every call.
    this.infos = new Map([...this.definitions.values()].map((d) => [d.name, describeWorkflow(d)]))
    this.cronPollMs = options.cronPollMs ?? 1000
    if (engine) {
      this.schedules = this.newSchedules(engine.Schedules)
      // Refused here, at registration, like a bad timeout: not at the first tick.
      this.schedules.checkDeclared()
    }
  }

  private newSchedules(Book: typeof Schedules): Schedules {
    return new Book({
      store: this.store,
      clock: this.clock,
      logger: this.logger,
      maxPayloadBytes: this.maxPayloadBytes,
      definition: (workflow) => this.definition(workflow),
      definitions: () => [...this.definitions.values()],
      start: (workflow, data, id) => this.schedule(workflow, data, { id }),
    })
  }

  private async cron(): Promise<Schedules> {
    this.schedules ??= this.newSchedules((await import('./schedules.ts')).Schedules)
    return this.schedules
  }

  /**
   * Adds a cron schedule: every worker that runs `workflow` fires its ticks, one execution
   * per tick. Adding the same definition again returns it (`created: false`); another
   * definition under a taken name is ID_CONFLICT.
   *
   * @example
   * await zart.addSchedule({ name: 'daily-report', workflow: 'report', cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' })
   */
  async addSchedule(input: ScheduleInput): Promise<AddScheduleResult> {
    return (await this.cron()).add(input)
  }

  /** Every cron schedule on this database, by name. */
  async listSchedules(): Promise<{ schedules: ScheduleView[] }> {
    return { schedules: await (await this.cron()).list() }
  }

  /** One cron schedule; SCHEDULE_NOT_FOUND when there is none of that name. */
  async getSchedule(name: string): Promise<ScheduleView> {
    return (await this.cron()).get(name)
  }

  /** Removes a cron schedule; executions it started are kept. */
  async removeSchedule(name: string): Promise<RemoveScheduleResult> {
    return (await this.cron()).remove(name)
  }

  /** Pauses a cron schedule: its ticks start nothing until it is resumed. */
  async pauseSchedule(name: string): Promise<ScheduleView> {
    return (await this.cron()).setPaused(name, true)
  }

  /** Resumes a paused cron schedule from its next tick after now (ticks missed while paused are not run). */
  async resumeSchedule(name: string): Promise<ScheduleView> {
    return (await this.cron()).setPaused(name, false)
  }

  /**
   * Starts the executions of the cron ticks due now, for the workflows this process loaded,
   * and returns their ids. A running worker does this every `cronPollMs`; call it yourself
   * in tests and scripts that drive time by hand (with `drain`).
   */
  async fireDueSchedules(): Promise<string[]> {
    return (await this.cron()).fireDue()
  }

  /** Schedules a workflow; with an existing id or idempotency key returns that execution instead. */
  async schedule(workflow: string, data: unknown = {}, options: ScheduleOptions = {}): Promise<ScheduleResult> {
    const definition = this.definition(workflow)
    const id = options.id === undefined ? newExecutionId() : checkName(EXECUTION_ID, options.id)
    const idempotencyKey =
      options.idempotencyKey === undefined ? null : checkName(IDEMPOTENCY_KEY, options.idempotencyKey)
    const input = definition.input ? parseData(definition.input, data, `data for workflow "${workflow}"`) : data
    const inputJson = toJsonInput(input, 'data', this.maxPayloadBytes)
    const now = this.clock.now()
    if (options.runAt !== undefined && options.delay !== undefined) {
      throw new ZartError(
        'INVALID_INPUT',
        'give run_at or delay, not both: run_at is a time, delay a duration from now',
      )
    }
    const runAt =
      options.delay !== undefined
        ? now + parseDuration(options.delay, 'delay')
        : options.runAt === undefined
          ? now
          : new Date(options.runAt).getTime()
    if (!Number.isFinite(runAt))
      throw new ZartError('INVALID_INPUT', 'run_at is not a valid time: use an ISO 8601 time or ms since the epoch')
    const timeoutMs = this.infos.get(definition.name)?.timeout_ms ?? null
    const flow = await flowOf(definition, options, now, this.store)
    // With a local worker free, the row is created already claimed: one transaction, not two.
    // Not under flow control: a queued row waits for its slot, a deduplicated one to be found.
    const worker = this.worker
    const claim = runAt <= now && flow.queue === null && flow.dedupe === null ? worker?.offerSlot() : undefined
    const span = traceSchedule(workflow, id, options.traceparent)
    let result: CreateResult
    try {
      result = await this.create({
        id,
        workflow,
        inputJson,
        idempotencyKey,
        now,
        runAt,
        version: definition.version,
        deadlineAt: timeoutMs === null ? null : Math.max(now, runAt) + timeoutMs,
        traceParent: span.traceParent,
        ...flow,
        ...(claim && { claim }),
      })
    } catch (error) {
      if (claim) worker?.returnSlot()
      span.end(error)
      throw error
    }
    span.end()
    const adopted =
      result.outcome === 'created' &&
      result.execution.status === 'running' &&
      result.execution.leaseOwner === worker?.id
    if (claim && !adopted) worker?.returnSlot()
    if (result.outcome === 'existing' && result.matchedBy === 'dedupe') {
      return { execution_id: result.execution.id, status: result.execution.status, created: false, deduplicated: true }
    }
    if (result.outcome === 'existing') {
      const existing = result.execution
      if (existing.workflow !== workflow || canonicalJson(JSON.parse(existing.inputJson)) !== canonicalJson(input)) {
        const by = result.matchedBy === 'id' ? `id "${existing.id}"` : `idempotency key "${idempotencyKey}"`
        throw new ZartError(
          'ID_CONFLICT',
          `execution ${by} already exists with a different workflow or input (${existing.workflow}); use a new id, or the same input to get the existing execution`,
          { execution_id: existing.id },
        )
      }
      return { execution_id: existing.id, status: existing.status, created: false }
    }
    const created = result.execution
    this.metrics?.executionScheduled(workflow)
    if (adopted && worker) worker.adopt({ execution: created, steps: [] })
    else this.worker?.poke()
    const later = runAt > now ? { run_at: new Date(runAt).toISOString() } : {}
    return { execution_id: id, status: created.status, created: true, ...later }
  }

  /** The status of one execution; `includeSteps` adds its step history. */
  async status(executionId: string, options: { includeSteps?: boolean } = {}): Promise<ExecutionView> {
    const record = await this.find(executionId)
    const steps = options.includeSteps ? await this.store.getSteps(record.id) : undefined
    const view = this.view(record, steps)
    view.input = JSON.parse(record.inputJson) as unknown
    await this.addChildren(view)
    const hint = await this.noWorkerHint(record)
    if (hint !== undefined) view.hint = hint
    if (record.queue !== null && !isTerminal(record.status)) {
      const now = this.clock.now()
      const standing = await this.store.queueStanding(record.id, now)
      const reason = standing && queueReason(record, standing, now)
      if (reason !== undefined) view.queue_reason = reason
    }
    return view
  }

  /**
   * Creates or changes a queue's limits, stored in the database so every worker's next
   * claim enforces them (docs/queues.md). A limit below 1 is refused: leave it out for none.
   *
   * @example
   * await zart.setQueue('emails', { concurrency: 10, keyConcurrency: 1, rateLimit: { limit: 100, period: '1m' } })
   */
  async setQueue(name: string, limits: QueueLimits = {}): Promise<QueueView> {
    const definition = checkQueue({ ...limits, name })
    await this.store.setQueue(definition, this.clock.now())
    this.worker?.poke()
    return toQueueView(definition)
  }

  /** Every queue stored on this database, by name. */
  async queues(): Promise<QueueView[]> {
    return (await this.store.listQueues()).map(toQueueView)
  }

  /** Stores the limits of the queues the loaded workflows declare (the code's word wins at start). */
  async declareQueues(): Promise<void> {
    const declared = [...this.definitions.values()].map(declaredQueue).filter((q) => typeof q === 'object')
    if (declared.length === 0) return
    // Written only when they differ: workers starting together need not all write the same row.
    const stored = new Map((await this.store.listQueues()).map((q) => [q.name, JSON.stringify(q)]))
    for (const queue of declared) {
      if (stored.get(queue.name) !== JSON.stringify(queue)) await this.store.setQueue(queue, this.clock.now())
    }
  }

  /** The workers alive now on this database (each reports itself once per heartbeat period). */
  async workers(): Promise<WorkerView[]> {
    const now = this.clock.now()
    return (await this.store.listWorkers(now)).map((w) => ({
      id: w.id,
      host: w.host,
      pid: w.pid,
      workflows: w.workflows,
      started_at: new Date(w.startedAt).toISOString(),
      last_seen_at: new Date(w.lastSeenAt).toISOString(),
    }))
  }

  /**
   * Why an unfinished execution does not move, when the reason is a fact: no live worker
   * runs its workflow (none reported itself within its lease period).
   */
  private async noWorkerHint(record: ExecutionRecord): Promise<string | undefined> {
    if (isTerminal(record.status)) return undefined
    const now = this.clock.now()
    if (record.status === 'running' && (record.leaseExpiresAt ?? 0) > now) return undefined
    if (this.worker?.runs(record.workflow)) return undefined
    const live = await this.store.listWorkers(now)
    if (live.some((w) => w.workflows.includes(record.workflow))) return undefined
    return (
      `no worker is running workflow "${record.workflow}": start one on this database ` +
      `(zart worker --workflows <path>, or zart serve / zart mcp, which run one too); the execution goes on once one runs`
    )
  }

  /** Delivers an event: resumes a wait on it, or keeps it for the next wait of that name. */
  async deliverEvent(
    executionId: string,
    event: string,
    data: unknown = null,
    options: { eventId?: string } = {},
  ): Promise<DeliverResult> {
    const id = checkName(EXECUTION_ID, executionId)
    const name = checkName(EVENT_NAME, event)
    const eventId = options.eventId === undefined ? null : checkName(EVENT_ID, options.eventId)
    // Events reach the store in call order, although the reads below may come back in any
    // order (over a pool of connections they do): each call hands its event over only after
    // the call before it has handed over its own or failed.
    const previous = this.deliveryTurn
    let handedOver!: () => void
    this.deliveryTurn = new Promise((resolve) => (handedOver = resolve))
    let delivery: Promise<StoreDeliverResult>
    try {
      const existing = await this.find(id)
      // A finished execution is the more useful answer than a payload that fails its schema.
      // (A repeated event id is still reported as duplicate by the store.)
      if (isTerminal(existing.status) && eventId === null) throw terminal(existing, `deliver "${name}" to it`)
      const declared = this.definitions.get(existing.workflow)?.events
      if (declared && !Object.hasOwn(declared, name)) throw undeclaredEvent(existing, name, Object.keys(declared))
      const schema = declared?.[name]
      const payload = schema ? parseData(schema, data, `data for event "${name}"`) : data
      const payloadJson = toJsonInput(payload, 'event data', this.maxPayloadBytes)
      await previous
      delivery = this.deliver({ executionId: id, name, eventId, payloadJson, now: this.clock.now() })
    } finally {
      handedOver()
    }
    const result = await delivery
    if (result.outcome === 'not_found') throw notFound(id)
    if (result.outcome === 'terminal') throw terminal(result.execution, `deliver "${name}" to it`)
    if (result.outcome === 'delivered') this.worker?.poke()
    const answer: DeliverResult = { result: result.outcome, status: result.execution.status }
    // Kept for later while the execution waits for something else: say what it waits for,
    // so a misspelt name does not pass for a delivery.
    const awaited = (result.execution.waits ?? []).flatMap((w) => (w.kind === 'event' && w.event ? [w.event] : []))
    if (result.outcome === 'buffered' && result.execution.status === 'waiting' && awaited.length > 0) {
      answer.waiting_for = awaited
    }
    return answer
  }

  /**
   * Blocks until the execution is terminal or `timeout` passes (default: no limit), then
   * returns its status with `timed_out` telling which. Ends early when `signal` aborts.
   */
  async wait(executionId: string, options: { timeout?: Duration; signal?: AbortSignal } = {}): Promise<WaitResult> {
    const id = checkName(EXECUTION_ID, executionId)
    const timeoutMs = options.timeout === undefined ? null : parseDuration(options.timeout, 'wait timeout')
    const giveUpAt = timeoutMs === null ? Infinity : Date.now() + timeoutMs
    // Changes made in this process wake the wait at once; changes made by other processes
    // are found by re-reading, quickly at first, then backing off so many long waits stay cheap.
    let pollMs = this.waitPollMs
    // One this process's worker runs now exists and is not over, and its run hands over its
    // end here: nothing to read until then (a schedule-then-wait costs no extra round trip).
    let record = this.worker?.holds(id) ? null : await this.find(id)
    for (;;) {
      if (record && isTerminal(record.status)) return { ...this.view(record), timed_out: false }
      const left = giveUpAt - Date.now()
      if (left <= 0 || options.signal?.aborted)
        return { ...this.view(record ?? (await this.find(id))), timed_out: true }
      // A run finished by this process's worker hands over the row it committed: no re-read.
      const finished = await this.changed(id, Math.min(left, pollMs), options.signal)
      record = finished && isTerminal(finished.status) ? finished : await this.find(id)
      pollMs = Math.min(pollMs * 1.5, Math.max(this.waitPollMs, MAX_WAIT_POLL_MS))
    }
  }

  /** Executions, newest first, filtered and paged by cursor. */
  async list(options: ListOptions = {}): Promise<ListResult> {
    const status =
      options.status === undefined
        ? undefined
        : checkOneOf(EXECUTION_STATUSES, options.status, EXECUTION_STATUS_ERROR, 'status')
    const workflow = options.workflow === undefined ? undefined : checkName(WORKFLOW_NAME, options.workflow, 'workflow')
    const limit = await checkLimit(options.limit ?? 20, MAX_LIST_LIMIT, `limit (1 to ${MAX_LIST_LIMIT})`)
    const page = await this.store.listExecutions({ status, workflow, limit, cursor: options.cursor })
    return { executions: page.executions.map((r) => this.view(r)), next_cursor: page.nextCursor }
  }

  /**
   * Replays the stored histories of unfinished executions against the workflow code this
   * process loaded, running no step and writing nothing, and reports each one the code no
   * longer matches. Run it before a deploy: what it lists would stop with REPLAY_DIVERGED.
   */
  async replayCheck(options: ReplayCheckOptions = {}): Promise<ReplayCheckResult> {
    const workflow = options.workflow === undefined ? undefined : checkName(WORKFLOW_NAME, options.workflow, 'workflow')
    if (workflow !== undefined) this.definition(workflow)
    const limit = await checkLimit(options.limit ?? 100, 1000, 'limit (1 to 1000)')
    const { checkReplay } = await import('../engine/replay-check.ts')
    const result: ReplayCheckResult = { checked: 0, diverged: [], skipped: 0 }
    for (const status of ['waiting', 'pending', 'running'] as const) {
      let cursor: string | undefined
      do {
        const page = await this.store.listExecutions({ status, workflow, limit: MAX_LIST_LIMIT, cursor })
        for (const execution of page.executions) {
          if (result.checked >= limit) return result
          const definition = this.definitions.get(execution.workflow)
          if (!definition) {
            result.skipped++
            continue
          }
          const steps = await this.store.getSteps(execution.id)
          const verdict = await checkReplay(definition, { execution, steps }, this.clock)
          result.checked++
          if (verdict.ok) continue
          const finding: ReplayFinding = {
            execution_id: execution.id,
            workflow: execution.workflow,
            version: execution.version,
            status: execution.status,
            message:
              'error' in verdict ? `${verdict.error.name}: ${verdict.error.message}` : verdict.divergence.message,
          }
          if ('divergence' in verdict) {
            finding.position = verdict.divergence.position
            finding.history = verdict.divergence.history
            finding.code = verdict.divergence.code
          }
          result.diverged.push(finding)
        }
        cursor = page.nextCursor ?? undefined
      } while (cursor !== undefined)
    }
    return result
  }

  /**
   * Pauses an unfinished execution: it is not claimed until resumed. A running one stops at
   * its next recorded point (the step running then finishes and is recorded first). Its
   * deadline and timers keep running meanwhile; they are looked at when it resumes.
   */
  async pause(executionId: string): Promise<ExecutionView> {
    return this.setPaused(executionId, true)
  }

  /** Resumes a paused execution: it is claimed again as soon as it is due. */
  async resume(executionId: string): Promise<ExecutionView> {
    return this.setPaused(executionId, false)
  }

  private async setPaused(executionId: string, paused: boolean): Promise<ExecutionView> {
    const id = checkName(EXECUTION_ID, executionId)
    const result = await this.store.setPaused(id, paused, this.clock.now())
    if (result.outcome === 'not_found') throw notFound(id)
    if (result.outcome === 'refused') throw terminal(result.execution, paused ? 'pause it' : 'resume it')
    if (!paused) this.worker?.poke()
    this.changes.emit(id)
    return this.view(result.execution)
  }

  /**
   * Runs a failed, timed-out or cancelled execution again from where it stopped: completed
   * steps are kept and not run again, the failed step (or timed-out wait) runs again, and
   * `attempt` goes on counting. Its deadline starts again from now: `timeout`, else the
   * workflow's own timeout, else none.
   */
  async retry(executionId: string, options: { timeout?: Duration } = {}): Promise<ExecutionView> {
    const id = checkName(EXECUTION_ID, executionId)
    const record = await this.find(id)
    if (!['failed', 'timed_out', 'cancelled'].includes(record.status)) {
      throw new ZartError(
        'INVALID_INPUT',
        `execution "${id}" is ${record.status}: only a failed, timed_out or cancelled execution can be retried` +
          (record.status === 'completed' ? '; schedule a new one to run it again' : '; it is still going'),
        { execution_id: id, status: record.status },
      )
    }
    const now = this.clock.now()
    const timeout =
      options.timeout !== undefined
        ? parseDuration(options.timeout, 'timeout')
        : this.definitions.get(record.workflow)?.timeout !== undefined
          ? parseDuration(this.definitions.get(record.workflow)?.timeout ?? 0, 'workflow timeout')
          : null
    const result = await this.store.retryExecution(id, now, timeout === null ? null : now + timeout)
    if (result.outcome === 'not_found') throw notFound(id)
    if (result.outcome === 'refused') {
      throw new ZartError(
        'INVALID_INPUT',
        `execution "${id}" changed meanwhile (${result.execution.status}); look again`,
      )
    }
    this.worker?.poke()
    this.changes.emit(id)
    return this.view(result.execution)
  }

  /**
   * Forks a new execution from `executionId` that replays its recorded steps before
   * `fromStep` and runs that step and the rest anew, with the same input or `data`. Both
   * stay visible; the new one names the original in `rerun_of`.
   */
  async rerun(executionId: string, options: { fromStep: string; data?: unknown; id?: string }): Promise<ExecutionView> {
    const original = await this.find(checkName(EXECUTION_ID, executionId))
    const definition = this.definition(original.workflow)
    const steps = await this.store.getSteps(original.id)
    const from = steps.find((s) => s.key === options.fromStep)
    if (!from) {
      const known = steps.filter((s) => s.kind !== 'patch').map((s) => s.key)
      throw new ZartError(
        'INVALID_INPUT',
        `execution "${original.id}" has no step "${options.fromStep}": its steps are ${known.join(', ') || 'none yet'}`,
        { known },
      )
    }
    if (from.position === null) {
      throw new ZartError(
        'INVALID_INPUT',
        `step "${from.key}" was recorded before zart kept positions, so a rerun cannot tell what came before it`,
      )
    }
    // The fork copies the points before `from`: a child's point that has its end replays it
    // like a step's result, but one still waiting would wait in the fork for ever, as the
    // child belongs to the original and tells only it of its end.
    const before = from.position
    const open = steps.find((s) => s.kind === 'child' && s.status === 'waiting' && (s.position ?? 0) < before)
    if (open) {
      const child = childExecutionId(original.id, open.key)
      throw new ZartError(
        'INVALID_INPUT',
        `step "${from.key}" of execution "${original.id}" comes after child "${open.key}" (execution "${child}"), ` +
          'whose end the original had not received: a fork cannot await a child of another execution. ' +
          `To start a new child in the fork, rerun from "${open.key}"; or from a step before it`,
        { step: open.key, child },
      )
    }
    const id =
      options.id === undefined
        ? `${original.id.slice(0, 100)}.rerun-${newExecutionId().slice(0, 8)}`
        : checkName(EXECUTION_ID, options.id)
    const input =
      options.data === undefined
        ? (JSON.parse(original.inputJson) as unknown)
        : definition.input
          ? parseOrThrow(definition.input, options.data, `data for workflow "${original.workflow}"`)
          : options.data
    const now = this.clock.now()
    const timeoutMs = definition.timeout === undefined ? null : parseDuration(definition.timeout, 'workflow timeout')
    const result = await this.store.forkExecution(
      {
        id,
        workflow: original.workflow,
        inputJson: toJsonInput(input, 'data', this.maxPayloadBytes),
        idempotencyKey: null,
        deadlineAt: timeoutMs === null ? null : now + timeoutMs,
        runAt: now,
        now,
        version: definition.version,
        queue: original.queue,
        concurrencyKey: original.concurrencyKey,
        priority: original.priority,
      },
      original.id,
      from.position,
    )
    if (result.outcome === 'existing') {
      throw new ZartError('ID_CONFLICT', `execution "${id}" already exists: give another id for the rerun`, {
        execution_id: id,
      })
    }
    this.worker?.poke()
    return this.view(result.execution)
  }

  /** Cancels an execution that has not finished; a running workflow sees its AbortSignal fire. */
  async cancel(executionId: string): Promise<ExecutionView> {
    const id = checkName(EXECUTION_ID, executionId)
    const errorJson = JSON.stringify({ name: 'CancelledError', message: 'the execution was cancelled' })
    const result = await this.store.cancelExecution(id, this.clock.now(), errorJson)
    if (result.outcome === 'not_found') throw notFound(id)
    if (result.outcome === 'terminal') throw terminal(result.execution, 'cancel it')
    this.metrics?.executionFinished(result.execution.workflow, 'cancelled')
    for (const cancelled of [id, ...result.cascaded]) {
      this.worker?.halt(cancelled, 'cancelled')
      this.changes.emit(cancelled)
    }
    // A cancelled child's parent may have been woken by the news.
    if (result.execution.parentId !== null) this.worker?.poke()
    const view = this.view(result.execution)
    // The children cancelled with it show there, as in status.
    if (result.cascaded.length > 0) await this.addChildren(view)
    return view
  }

  /** Lists an execution's children in its view, as `status` shows them. */
  private async addChildren(view: ExecutionView): Promise<void> {
    const children = await this.store.listChildren(view.id, MAX_CHILDREN_SHOWN)
    if (children.length > 0) view.children = children.map((c) => ({ id: c.id, workflow: c.workflow, status: c.status }))
  }

  /**
   * Records an MCP task for an execution (MCP `run_workflow` called as a task): an
   * unguessable id, visible only to `owner`. It lives as long as the execution is kept, so
   * its ttl is this process's retention (null when none runs).
   */
  async createTask(executionId: string, owner: string): Promise<TaskRecord> {
    const record = await this.find(executionId)
    const task: TaskRecord = {
      id: randomBytes(24).toString('base64url'),
      executionId: record.id,
      owner,
      ttlMs: this.retentionMs,
      createdAt: this.clock.now(),
    }
    await this.store.createTask(task)
    return task
  }

  /** The MCP task with this id, if `owner` may see it and its execution is still kept. */
  getTask(taskId: string, owner: string): Promise<TaskRecord | undefined> {
    return this.store.getTask(taskId, owner)
  }

  /** The owner's MCP tasks, newest first, a page at a time. */
  listTasks(owner: string, cursor?: string): Promise<TaskPage> {
    return this.store.listTasks({ owner, limit: TASK_PAGE, cursor })
  }

  /** The workflows this process knows, with options and input JSON Schema. */
  workflows(): WorkflowInfo[] {
    return [...this.infos.values()]
  }

  /**
   * How much work waits: executions due that no worker holds (the backlog, with how long
   * the oldest has waited) and executions suspended on events or timers, in total and per
   * workflow. One read through the due-time and status indexes, for metrics at scrape time.
   */
  async queueDepth(): Promise<QueueDepthView> {
    const now = this.clock.now()
    const depth = await this.store.queueDepth(now)
    const oldest = (at: number | null) => (at === null ? 0 : Math.max(0, now - at) / 1000)
    return {
      due: depth.due,
      oldest_due_seconds: oldest(depth.oldestDueAt),
      waiting: depth.waiting,
      by_workflow: depth.byWorkflow.map((w) => ({
        workflow: w.workflow,
        due: w.due,
        oldest_due_seconds: oldest(w.oldestDueAt),
        waiting: w.waiting,
      })),
    }
  }

  /** Starts this process's worker (once); it shares work with every other worker on the database. */
  startWorker(options: WorkerOptions = {}): Worker {
    this.worker ??= this.createWorker(options)
    this.worker.start()
    if (this.definitions.size > 0) this.schedules?.startPolling(this.cronPollMs)
    return this.worker
  }

  /** Runs everything due now until nothing is left, without a background worker. For tests. */
  async drain(options: WorkerOptions = {}): Promise<number> {
    this.worker ??= this.createWorker(options)
    return this.worker.drain()
  }

  /** Applies pending migrations. */
  migrate(): Promise<MigrationResult> {
    return this.store.migrate()
  }

  /**
   * Readiness: the database answers and its schema is current. It only reads: a probe
   * must never migrate a database behind an operator's back, so a schema that is behind
   * is reported (run `zart migrate`), and one newer than this code is refused.
   */
  async ready(): Promise<{ database: string; migration: string | null }> {
    // Reading the migrations table is also the probe that the database answers.
    const { current, pending, unknown } = await this.store.migrationStatus()
    refuseUnknown(unknown)
    if (pending.length > 0) {
      throw new ZartError(
        'MIGRATIONS_PENDING',
        `the database schema is behind this zart (migration ${pending.join(', ')} not applied); run zart migrate`,
        { pending },
      )
    }
    return { database: this.store.dialect, migration: current }
  }

  /**
   * Deletes finished executions (with their steps and events) last updated longer ago than
   * `olderThan`. Pending, running and waiting executions are never touched. Works in small
   * batches so a big prune never holds the database for long.
   *
   * @example
   * await zart.prune({ olderThan: '30d', status: 'completed' })
   */
  async prune(options: PruneOptions): Promise<PruneResult> {
    const olderThan = parseDuration(options.olderThan, 'older-than')
    const asked =
      options.status === undefined
        ? TERMINAL_STATUSES
        : typeof options.status === 'string'
          ? [options.status]
          : options.status
    const statuses = asked.map((s) => checkOneOf(EXECUTION_STATUSES, s, EXECUTION_STATUS_ERROR, 'status'))
    const live = statuses.filter((s) => !isTerminal(s))
    if (live.length > 0) {
      throw new ZartError(
        'INVALID_INPUT',
        `cannot prune ${live.join(', ')} executions: only finished ones (${TERMINAL_STATUSES.join(', ')}) are pruned`,
      )
    }
    const before = this.clock.now() - olderThan
    let deleted = 0
    for (;;) {
      const batch = await this.store.pruneExecutions({ before, statuses, limit: PRUNE_BATCH })
      deleted += batch
      if (batch < PRUNE_BATCH) break
    }
    if (deleted > 0)
      this.logger.info('pruned executions', { deleted, before: new Date(before).toISOString(), statuses })
    return { deleted, before: new Date(before).toISOString(), statuses }
  }

  /** Stops the worker (releasing its leases) and closes the database. */
  /**
   * Automatic retention for a long-running process: prunes finished executions older than
   * `olderThan` shortly after the call and then every `every` (default one hour), until
   * `close()`. Several processes doing it on one database is harmless: each batch deletes
   * what is still there.
   */
  startRetention(olderThan: Duration, every: Duration = '1h'): void {
    const olderThanMs = parseDuration(olderThan, 'retention')
    this.retentionMs = olderThanMs
    const run = () => {
      this.prune({ olderThan: olderThanMs }).catch((error: unknown) => {
        this.logger.warn('retention prune failed; trying again later', {
          error: error instanceof Error ? error.message : String(error),
        })
      })
    }
    const everyMs = parseDuration(every, 'retention interval')
    this.stopRetention()
    // Long timers: a retention interval of 30 days must not prune every millisecond.
    const first = setLongTimeout(run, 1_000).unref()
    const timer = setLongInterval(run, everyMs).unref()
    this.stopRetention = () => {
      first.clear()
      timer.clear()
    }
  }

  async close(): Promise<void> {
    this.stopRetention()
    await this.schedules?.stopPolling()
    await this.worker?.stop()
    this.worker = null
    if (this.ownsStore) await this.store.close()
    this.ownsStore = false
  }

  /** Delivers through the store's batch method when it has one, so concurrent events share a commit. */
  private deliver(event: NewEvent): Promise<StoreDeliverResult> {
    return this.deliveries ? this.deliveries.submit(event) : this.store.deliverEvent(event)
  }

  /** Creates through the store's batch method when it has one, so concurrent schedules share a commit. */
  private create(input: NewExecution): Promise<CreateResult> {
    return this.creates ? this.creates.submit(input) : this.store.createExecution(input)
  }

  private createWorker(options: WorkerOptions): Worker {
    if (!this.engine) {
      throw new TypeError('this client was opened with worker: false, so it runs no worker: open one without it')
    }
    return new this.engine.Worker(
      {
        store: this.store,
        workflows: this.definitions,
        clock: this.clock,
        random: this.random,
        logger: this.logger,
        onSettled: (id, finished) => this.changes.emit(id, finished),
        metrics: this.metrics,
        prepareChild: (workflow, data, parent) => this.prepareChild(workflow, data, parent),
      },
      { maxResultBytes: this.maxPayloadBytes, ...options },
    )
  }

  /**
   * Checks a `ctx.child` call as `schedule` checks a schedule (a loaded workflow, data
   * valid for its schema, within the payload limit): one rule at both ends.
   */
  private prepareChild(workflow: string, data: unknown, parent: string): ChildSpec {
    const definition = this.definitions.get(workflow)
    if (!definition) {
      const known = [...this.definitions.keys()]
      throw new ZartError(
        'UNKNOWN_WORKFLOW',
        `ctx.child in workflow "${parent}": no workflow "${workflow}" is loaded here; load it beside "${parent}" ` +
          `(the workflows given to createZart, or zart worker --workflows) so the child can be checked and run. ` +
          `Loaded workflows are ${known.join(', ')}`,
        { workflow, known },
      )
    }
    const input = definition.input ? parseData(definition.input, data, `data for child workflow "${workflow}"`) : data
    return {
      workflow,
      inputJson: toJsonInput(input, `data for child workflow "${workflow}"`, this.maxPayloadBytes),
      version: definition.version,
      timeoutMs: this.infos.get(workflow)?.timeout_ms ?? null,
      // The queue its workflow declares, as a schedule of it would get: children keep its limits.
      ...childFlow(definition),
    }
  }

  private definition(workflow: string): WorkflowDefinition {
    const name = checkName(WORKFLOW_NAME, workflow)
    const definition = this.definitions.get(name)
    if (definition) return definition
    const known = [...this.definitions.keys()]
    throw new ZartError(
      'UNKNOWN_WORKFLOW',
      `unknown workflow "${name}": ${known.length > 0 ? `known workflows are ${known.join(', ')}` : 'no workflows are loaded (pass --workflows PATH)'}`,
      { known },
    )
  }

  private async find(executionId: string): Promise<ExecutionRecord> {
    const id = checkName(EXECUTION_ID, executionId)
    const record = await this.store.getExecution(id)
    if (!record) throw notFound(id)
    return record
  }

  private view(record: ExecutionRecord, steps?: StepRecord[]): ExecutionView {
    const events = this.infos.get(record.workflow)?.events
    return toExecutionView(record, {
      ...(steps && { steps }),
      eventSchema: (event) => events?.[event],
    })
  }

  /**
   * Resolves when this process changes the execution, after `ms`, or on abort; with the
   * finished row when the change finished it and the store answered with that row.
   */
  private changed(id: string, ms: number, signal?: AbortSignal): Promise<ExecutionRecord | null> {
    return new Promise((resolve) => {
      const settle = (finished: ExecutionRecord | null) => {
        timer.clear()
        this.changes.off(id, onChange)
        signal?.removeEventListener('abort', giveUp)
        resolve(finished)
      }
      const onChange = (finished: ExecutionRecord | null = null) => settle(finished)
      const giveUp = () => settle(null)
      const timer = setLongTimeout(giveUp, ms)
      this.changes.on(id, onChange)
      signal?.addEventListener('abort', giveUp)
    })
  }
}

/** Opens the database, applies migrations, and returns the client. */
export async function createZart(options: ZartOptions = {}): Promise<Zart> {
  const ownsStore = typeof options.db !== 'object'
  // What runs workflows is loaded only by a client that may run a worker, and meanwhile the
  // database opens: reading the engine's files overlaps the store's.
  const loadingEngine = options.worker === false ? null : loadEngine()
  // Its failure is reported where it is awaited, not as an unhandled rejection if the store fails first.
  loadingEngine?.catch(() => undefined)
  const store = typeof options.db === 'object' ? options.db : await openStore(options.db ?? defaultDatabaseUrl())
  try {
    if (options.migrate !== false) await store.migrate()
    const engine = await loadingEngine
    const zart = new Zart(store, options.workflows ?? [], options, ownsStore, engine)
    if (options.migrate !== false) await zart.declareQueues()
    return zart
  } catch (error) {
    if (ownsStore) await store.close()
    throw error
  }
}

/** What a client that may run a worker loads besides itself: the worker, and the cron schedules it fires. */
interface Engine {
  Worker: typeof Worker
  Schedules: typeof Schedules
}

async function loadEngine(): Promise<Engine> {
  const [{ Worker }, { Schedules }] = await Promise.all([import('../engine/worker.ts'), import('./schedules.ts')])
  return { Worker, Schedules }
}

/**
 * Generated ids use letters and digits only: nanoid's default alphabet also has `-` and
 * `_`, and an id starting with one fails the execution id schema, so about one in 32
 * scheduled executions could not be looked up by its own id.
 */
const newExecutionId = customAlphabet('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 21)

/** Children a parent's `status` lists. */
const MAX_CHILDREN_SHOWN = 100

/** MCP tasks per `tasks/list` page. */
const TASK_PAGE = 50

/**
 * A count from 1 to `max`. A bad one is worded by the zod schema the doors use, loaded
 * only then: reads that pass a good limit (or none) never load zod.
 */
async function checkLimit(value: unknown, max: number, what: string): Promise<number> {
  if (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= max) return value as number
  const { limitSchema } = await import('./schemas.ts')
  return parseOrThrow(limitSchema(max), value, what)
}

/** Executions deleted per store call while pruning. */
const PRUNE_BATCH = 500

/** What `workflows()` shows of a definition: options and JSON Schemas of its input and events. */
function describeWorkflow(d: WorkflowDefinition): WorkflowInfo {
  return {
    name: d.name,
    description: d.description ?? null,
    timeout_ms: d.timeout === undefined ? null : parseDuration(d.timeout),
    max_retries: d.maxRetries,
    input_schema: d.input ? jsonSchema(d.input) : {},
    events: Object.fromEntries(Object.entries(d.events ?? {}).map(([k, v]) => [k, jsonSchema(v)])),
  }
}
