import { parseDuration, type Duration } from '../duration.ts'
import {
  EventTimeoutError,
  isZartError,
  StepFailedError,
  serializeError,
  ZartError,
  type SerializedError,
} from '../errors.ts'
import { checkEventName, checkStepName } from '../names.ts'
import type { Clock } from '../clock.ts'
import type { Claim, FencedWrite, Lease, StepKind, StepRecord, WaitEntry, WriteOutcome } from '../storage/store.ts'
import { History, isDivergence, isResolved, type Divergence } from './history.ts'
import { fromJson, NotJsonError, toJson } from './json.ts'
import { RetryConfig, retryDelay, type RetryPolicy } from './retry-policy.ts'
import { Sequencer } from './sequencer.ts'
import { setLongTimeout, type LongTimer } from '../timers.ts'
import type { Logger } from './logger.ts'
import { Suspend, type HaltReason } from './suspend.ts'
import type { RunTelemetry } from './telemetry.ts'
import { childEventName, inboxName } from '../storage/commit-plan.ts'
import {
  childCallName,
  childExecutionId,
  childIdConflict,
  childResult,
  childWorkflowName,
  type ChildHandle,
  type ChildOptions,
  type PrepareChild,
} from './child.ts'
import type { WorkflowDefinition } from './workflow.ts'

/** What a step function is told about the attempt it runs. */
export interface StepInfo {
  /** The step's key in this execution: its name, with `#2`, `#3`... when repeated. */
  key: string
  /** Stable across retries and restarts: pass it to outside services as their idempotency key. */
  idempotencyKey: string
  /** 1 for the first attempt. */
  attempt: number
  /** Fires when the execution is cancelled or times out. */
  signal: AbortSignal
}

export interface StepOptions {
  /** How the step is retried when it throws (default: no retry). */
  retry?: RetryPolicy
}

export interface WaitOptions {
  /** How long to wait before `EventTimeoutError` is raised; no timeout when omitted. */
  timeout?: Duration
}

/** The durable API a workflow body is given. */
export interface WorkflowContext {
  readonly executionId: string
  readonly workflow: string
  /** How many times this execution has been claimed by a worker (1 on the first run). */
  readonly attempt: number
  /** Fires when the execution is cancelled or reaches its timeout. */
  readonly signal: AbortSignal
  /**
   * Runs `fn` once and persists its result; on replay returns the stored result without
   * running `fn`. A step that failed for good raises `StepFailedError`.
   */
  step<T>(name: string, fn: (info: StepInfo) => Promise<T> | T, options?: StepOptions): Promise<T>
  /** `step` with a retry policy, e.g. `RetryConfig.exponential(3, '2s')`. */
  stepWithRetry<T>(name: string, retry: RetryPolicy, fn: (info: StepInfo) => Promise<T> | T): Promise<T>
  /**
   * Waits durably for an event delivered to this execution. An event delivered earlier
   * is taken from the inbox. Raises `EventTimeoutError` when the timeout passes first.
   */
  waitForEvent<T = unknown>(name: string, options?: WaitOptions): Promise<T>
  /** Sleeps durably: survives restarts and holds no worker while it lasts. */
  sleep(duration: Duration): Promise<void>
  /**
   * Starts another workflow as a child of this execution and waits for its end, holding
   * no worker meanwhile: returns the child's output, or raises `ChildFailedError` when it
   * failed, was cancelled or timed out. The child's id comes from this execution's id and
   * the call's key, so a replay never starts it twice. Cancelling this execution cancels
   * the child unless it was started `detached`.
   *
   * @example
   * const receipt = await ctx.child(sendReceipt, { orderId })
   * const sizes = await Promise.all(images.map((url) => ctx.child('resize', { url })))
   */
  child<I, O>(workflow: WorkflowDefinition<I, O>, input: I, options?: ChildOptions): Promise<O>
  child<T = unknown>(workflow: string, input?: unknown, options?: ChildOptions): Promise<T>
  /**
   * `child` without the wait: resolves once the child is started (recorded with this
   * execution's history), with a handle whose `result()` waits for its end.
   *
   * @example
   * const report = await ctx.startChild('build-report', { month })
   * await ctx.step('notify', () => notify('report started'))
   * const url = await report.result()
   */
  startChild<I, O>(workflow: WorkflowDefinition<I, O>, input: I, options?: ChildOptions): Promise<ChildHandle<O>>
  startChild<T = unknown>(workflow: string, input?: unknown, options?: ChildOptions): Promise<ChildHandle<T>>
  /**
   * Deterministic time: when the most recent result handed to the workflow (a step's, a
   * wait's, a sleep's; at first, the execution's creation) was recorded. The same on
   * every replay, whatever the timing of parallel branches.
   */
  now(): Date
  /**
   * Changes a workflow safely under running executions: true for executions that reach
   * this point under the code that has it (new ones), false for executions that passed
   * this point under older code. Keep both paths until no old execution is left.
   *
   * @example
   * if (ctx.patched('send-receipt')) await ctx.step('send-receipt', () => mail(order))
   */
  patched(changeId: string): boolean
  /**
   * Reports how far the workflow got: a fraction from 0 to 1, a message, or both, and
   * optionally a small JSON object. Stored durably and shown by `status` at every door;
   * a replay does not report again what the first run reported.
   *
   * @example
   * ctx.progress(0.4, 'copied 400 of 1000 rows')
   * ctx.progress({ message: 'waiting for the bank', data: { batch: 3 } })
   */
  progress(value: number | ProgressReport, message?: string): void
}

/** What `ctx.progress` takes besides a bare fraction. */
export interface ProgressReport {
  /** 0 to 1. */
  fraction?: number
  /** At most 500 characters. */
  message?: string
  /** A small JSON object (at most 4 KiB as JSON). */
  data?: Record<string, unknown>
}

export interface RunDeps {
  clock: Clock
  random: () => number
  commit: (write: FencedWrite) => Promise<WriteOutcome>
  signal: AbortSignal
  halt: (reason: HaltReason) => void
  /**
   * A commit failed: the database did not answer, so whether it applied is unknown. The
   * run halts; the workflow never sees the error, which is not its own.
   */
  storeFailed: (error: unknown) => void
  /** The code asked for something other than what history recorded: the run must stop. */
  diverged: (divergence: Divergence) => void
  isHalted: () => boolean
  /** Largest step result accepted, in bytes of JSON. */
  maxResultBytes: number
  /** Where step failures and retries are logged for operators. */
  logger?: Logger
  /** Checks a child call and gives the child's settings (the client's schedule rules); absent: no children. */
  prepareChild?: PrepareChild | undefined
  /** The event names the workflow declares, when it declares any: waits on others are refused. */
  events?: readonly string[] | undefined
  /** JSON Schema of a declared event's payload, stored with a wait on it (see `WaitEntry.schema`). */
  eventSchema?: (name: string) => unknown
  /**
   * Replay only (`zart replay-check`): run no step function and write nothing; reaching
   * anything not recorded yet halts the run with `waiting`.
   */
  dryRun?: boolean
  /** The run's span, for a span per step attempt (absent in replay checks). */
  telemetry?: RunTelemetry
}

/** Any workflow definition, whatever its input and output. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyWorkflow = WorkflowDefinition<any, any>

/** A branch of the run that cannot go on until an event comes or a time passes. */
interface Blocked {
  entry: WaitEntry
  position: number
  resume: () => void
  timer: LongTimer | undefined
}

/**
 * The context of one run of one execution. Stored points replay from history in their
 * recorded order; new ones run and are recorded. Parallel branches are ordinary code:
 * the run suspends only when every branch is blocked (on events, sleeps or retry delays)
 * and nothing is running or being committed, and then it waits for all of them at once.
 */
export class ExecutionContext implements WorkflowContext {
  readonly executionId: string
  readonly workflow: string
  readonly attempt: number
  readonly signal: AbortSignal
  private readonly lease: Lease
  private readonly history: History
  private readonly sequencer: Sequencer
  private readonly seen = new Map<string, number>()
  private readonly blocked = new Map<string, Blocked>()
  /** New steps held back until the replay has matched all of history (see `startAllowed`). */
  private deferred: (() => void)[] = []
  private readonly idleWaiters: (() => void)[] = []
  private position = 0
  private nextSeq: number
  /** Step functions running and commits in flight. */
  private busy = 0
  private checkScheduled = false
  /**
   * A suspend write is on its way: no blocked branch may resume in this run meanwhile (a
   * timer coming due now would run a step the next claim runs too); `check` looks again
   * if the write did not suspend.
   */
  private suspending = false
  /** The workflow body returned or threw: branches still blocked are abandoned, never suspended on. */
  private bodyDone = false
  private logicalTime: number

  private readonly deps: RunDeps

  constructor(claim: Claim, deps: RunDeps) {
    this.deps = deps
    this.executionId = claim.execution.id
    this.workflow = claim.execution.workflow
    this.attempt = claim.execution.attempt
    this.signal = deps.signal
    this.lease = { executionId: claim.execution.id, token: claim.execution.leaseToken }
    this.history = new History(claim.steps)
    this.sequencer = new Sequencer(() => this.settled())
    for (const seq of this.history.resolvedSeqs()) this.sequencer.expect(seq)
    this.nextSeq = this.history.maxSeq() + 1
    this.logicalTime = claim.execution.createdAt
  }

  now(): Date {
    return new Date(this.logicalTime)
  }

  stepWithRetry<T>(name: string, retry: RetryPolicy, fn: (info: StepInfo) => Promise<T> | T): Promise<T> {
    return this.step(name, fn, { retry })
  }

  async step<T>(name: string, fn: (info: StepInfo) => Promise<T> | T, options: StepOptions = {}): Promise<T> {
    const { key, position, record } = this.reach('step', checkStepName(name))
    if (record && isResolved(record)) return this.replay<T>(record)
    const policy = options.retry ?? RetryConfig.none()
    let attempts = record?.attempts ?? 0
    const startedAt = record?.startedAt ?? this.deps.clock.now()
    // Every failed attempt's error, kept with the step (not only the last) for `status --steps`.
    const history: AttemptError[] = record?.errorJson
      ? (fromJson<{ history?: AttemptError[] }>(record.errorJson).history ?? [])
      : []
    if (record?.status === 'retrying' && record.wakeAt !== null) {
      await this.block({ kind: 'retry', key, until: record.wakeAt }, position)
    }
    await this.startAllowed(position)
    for (;;) {
      const attempt = attempts + 1
      const base: StepRecord = {
        key,
        name,
        kind: 'step',
        position,
        resolvedSeq: null,
        status: 'completed',
        attempts: attempt,
        outputJson: null,
        errorJson: null,
        startedAt,
        finishedAt: null,
        wakeAt: null,
      }
      this.busy++
      const span = this.deps.telemetry?.step(key, name, attempt)
      const info = { key, idempotencyKey: `${this.executionId}:${key}`, attempt, signal: this.signal }
      let outcome: { ok: true; value: T; json: string } | { ok: false; error: unknown }
      try {
        const value = await (span ? span.within(() => fn(info)) : fn(info))
        this.assertActive()
        outcome = { ok: true, value, json: toJson(value, `result of step "${key}"`, this.deps.maxResultBytes) }
      } catch (error) {
        outcome = { ok: false, error }
      } finally {
        this.busy--
      }
      // A run halted meanwhile records nothing: the attempt's outcome is not the step's.
      if (outcome.ok) span?.end('completed')
      else if (this.deps.isHalted()) span?.end('halted')
      this.assertActive()
      if (outcome.ok) {
        const { value, json } = outcome
        // A step that succeeded after failed attempts keeps their errors too.
        const errorJson = history.length > 0 ? JSON.stringify({ history }) : null
        return this.resolveWith<T>({ ...base, outputJson: json, errorJson }, () => value)
      }
      const cause = serializeError(outcome.error)
      history.push({ attempt, name: cause.name, message: cause.message, at: this.deps.clock.now() })
      const errorJson = JSON.stringify({ ...cause, history })
      const retryable = !cause.nonRetryable && !(outcome.error instanceof NotJsonError)
      const willRetry = retryable && attempt < policy.maxAttempts
      span?.end(willRetry ? 'retrying' : 'failed', outcome.error)
      this.deps.logger?.warn(willRetry ? 'step failed; retrying' : 'step failed for good', {
        execution: this.executionId,
        step: key,
        attempt,
        error: cause.message,
      })
      if (willRetry) {
        const retryAt = this.deps.clock.now() + retryDelay(policy, attempt, this.deps.random)
        this.deps.logger?.info('step retry scheduled', {
          execution: this.executionId,
          step: key,
          attempt: attempt + 1,
          at: new Date(retryAt).toISOString(),
        })
        await this.write({
          kind: 'step',
          lease: this.lease,
          now: this.deps.clock.now(),
          step: { ...base, status: 'retrying', errorJson, wakeAt: retryAt },
        })
        attempts = attempt
        await this.block({ kind: 'retry', key, until: retryAt }, position)
        continue
      }
      const failed: StepRecord = { ...base, status: 'failed', errorJson }
      return this.resolveWith<T>(failed, () => {
        throw stepFailure(failed)
      })
    }
  }

  async waitForEvent<T = unknown>(name: string, options: WaitOptions = {}): Promise<T> {
    checkEventName(name)
    const declared = this.deps.events
    if (declared && !declared.includes(name)) {
      throw new ZartError(
        'INVALID_INPUT',
        `workflow "${this.workflow}" waits for event "${name}", which it does not declare in its events ` +
          `(${declared.map((e) => `"${e}"`).join(', ')}): declare it, or fix the name, so the event can be delivered`,
        { declared: [...declared] },
      )
    }
    const { key, position, record } = this.reach('wait', name)
    if (record && isResolved(record)) return this.replay<T>(record)
    const startedAt = record?.startedAt ?? this.deps.clock.now()
    const wakeAt =
      record?.wakeAt ??
      (options.timeout === undefined ? null : startedAt + parseDuration(options.timeout, 'wait timeout'))
    const schema = this.deps.eventSchema?.(name)
    const entry: WaitEntry = { kind: 'event', key, event: name, until: wakeAt, ...(schema !== undefined && { schema }) }
    // A wait reached anew takes a buffered event at once, and so does the one wait a
    // resumed run left open. When history left several open (a race of waits), each looks
    // again only when the run is otherwise idle, one at a time (see `check`), so the first
    // event ends the race and the others stay in the inbox.
    if (record && this.history.openWaits() > 1) await this.block(entry, position)
    for (;;) {
      const seq = this.nextSeq++
      this.sequencer.expect(seq)
      const now = this.deps.clock.now()
      const step = { ...openPoint('wait', key, name, position, startedAt, wakeAt), resolvedSeq: seq }
      const outcome = await this.write({ kind: 'wait', lease: this.lease, step, event: name, now })
      if (outcome.ok && outcome.kind === 'wait' && outcome.result === 'consumed') {
        const { payloadJson, finishedAt } = outcome
        return this.deliver<T>(seq, finishedAt, () => JSON.parse(payloadJson) as T)
      }
      if (outcome.ok && outcome.kind === 'wait' && outcome.result === 'timed_out') {
        return this.deliver<T>(seq, now, () => {
          throw new EventTimeoutError(name, wakeAt ?? now)
        })
      }
      this.sequencer.drop(seq)
      await this.block(entry, position)
    }
  }

  async sleep(duration: Duration): Promise<void> {
    const { key, position, record } = this.reach('sleep', 'sleep')
    if (record && isResolved(record)) return this.replay<void>(record)
    const startedAt = record?.startedAt ?? this.deps.clock.now()
    const wakeAt = record?.wakeAt ?? startedAt + parseDuration(duration, 'sleep duration')
    const base = openPoint('sleep', key, 'sleep', position, startedAt, wakeAt)
    if (wakeAt > this.deps.clock.now()) {
      // Recorded first, so a resumed run keeps the same end instead of starting over.
      if (!record) {
        await this.write({ kind: 'step', lease: this.lease, now: this.deps.clock.now(), step: base })
      }
      while (wakeAt > this.deps.clock.now()) await this.block({ kind: 'sleep', key, until: wakeAt }, position)
    }
    return this.resolveWith<void>({ ...base, status: 'completed' }, () => undefined)
  }

  async child<T>(workflow: string | AnyWorkflow, input: unknown = {}, options: ChildOptions = {}): Promise<T> {
    const handle = await this.startChild<T>(workflow, input, options)
    return handle.result()
  }

  async startChild<T>(
    workflow: string | AnyWorkflow,
    input: unknown = {},
    options: ChildOptions = {},
  ): Promise<ChildHandle<T>> {
    const name = childWorkflowName(workflow)
    const callName = childCallName(name, options)
    const { key, position, record } = this.reach('child', callName)
    const id = childExecutionId(this.executionId, key)
    let result: Promise<T> | undefined
    const handle = (wait: () => Promise<T>): ChildHandle<T> => ({
      id,
      workflow: name,
      result: () => (result ??= wait()),
    })
    if (record && isResolved(record)) {
      // Handed back in its recorded turn whether or not the code asks for it again.
      result = this.replay<T>(record)
      result.catch(() => {}) // a failure is raised where `result()` is awaited, if it is
      return handle(() => result as Promise<T>)
    }
    const startedAt = record?.startedAt ?? this.deps.clock.now()
    const point = openPoint('child', key, callName, position, startedAt, null)
    if (!record) {
      await this.startAllowed(position)
      const prepare = this.deps.prepareChild
      if (!prepare) throw new ZartError('INVALID_INPUT', 'ctx.child: this run cannot start child workflows')
      const spec = prepare(name, input, this.workflow)
      const now = this.deps.clock.now()
      const start = {
        id,
        workflow: spec.workflow,
        inputJson: spec.inputJson,
        version: spec.version,
        deadlineAt: spec.timeoutMs === null ? null : now + spec.timeoutMs,
        parentKey: key,
        detached: options.detached === true,
        queue: spec.queue,
        priority: spec.priority,
      }
      let outcome: WriteOutcome
      try {
        outcome = await this.write({ kind: 'child', lease: this.lease, step: point, start, now }, true)
      } catch (error) {
        // Input the database cannot store fails the call, as a schedule of it would.
        if (error instanceof Rejected) throw error.cause
        throw error
      }
      if (outcome.ok && outcome.kind === 'child' && outcome.result === 'conflict') {
        throw childIdConflict(id, key, outcome.existing)
      }
    }
    return handle(() => this.awaitChild<T>(point, id))
  }

  /**
   * Waits for a started child's end, which the child's last commit put into this
   * execution's inbox. It blocks first and lets the suspend of the idle run look at the
   * inbox, so many children awaited at once cost one look, not one write each.
   */
  private async awaitChild<T>(point: StepRecord, child: string): Promise<T> {
    const entry: WaitEntry = { kind: 'child', key: point.key, child, until: null }
    for (;;) {
      await this.block(entry, point.position ?? 0)
      const seq = this.nextSeq++
      this.sequencer.expect(seq)
      const now = this.deps.clock.now()
      const step = { ...point, resolvedSeq: seq }
      const outcome = await this.write({ kind: 'wait', lease: this.lease, step, event: childEventName(point.key), now })
      if (outcome.ok && outcome.kind === 'wait' && outcome.result === 'consumed') {
        const { payloadJson, finishedAt } = outcome
        return this.deliver<T>(seq, finishedAt, () => childResult<T>(payloadJson))
      }
      this.sequencer.drop(seq)
    }
  }

  patched(changeId: string): boolean {
    this.assertActive()
    const position = this.position + 1
    if (this.history.patchAt(position, changeId)) {
      this.position = position
      this.nextKey(`#patch:${changeId}`)
      return true
    }
    // History goes on past this point: the execution got here under code without the change.
    if (this.history.recordedFrom(position)) return false
    this.position = position
    const key = this.nextKey(`#patch:${changeId}`)
    if (!this.deps.dryRun) {
      const now = this.deps.clock.now()
      const marker: StepRecord = {
        key,
        name: changeId,
        kind: 'patch',
        position,
        resolvedSeq: null,
        status: 'completed',
        attempts: 1,
        outputJson: null,
        errorJson: null,
        startedAt: now,
        finishedAt: now,
        wakeAt: null,
      }
      this.write({ kind: 'step', lease: this.lease, now, step: marker }).catch(() => {
        // The run halts on a failed write; nothing waits on this one.
      })
    }
    return true
  }

  /** The body has settled: the run ends once running steps are committed; it never suspends. */
  finishBody(): void {
    this.bodyDone = true
  }

  progress(value: number | ProgressReport, message?: string): void {
    this.assertActive()
    const report = checkProgress(typeof value === 'number' ? { fraction: value, message } : value)
    // While the code is still catching up with history, it only repeats what it reported.
    if (this.deps.dryRun || !this.history.caughtUp()) return
    const now = this.deps.clock.now()
    this.write({ kind: 'progress', lease: this.lease, now, progress: { ...report, at: now } }).catch(() => {
      // The run halts on a failed write; nothing waits on this one.
    })
  }

  /** Resolves when nothing runs, nothing is being committed and no result is on its way. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** History the code never reached, once the body has returned: the code changed. */
  unreached(): Divergence | null {
    return this.history.firstUnmatched()
  }

  /** Stops the timers of blocked branches; the run is over. */
  dispose(): void {
    for (const blocked of this.blocked.values()) blocked.timer?.clear()
    this.blocked.clear()
  }

  /** Counts a durable point and matches it against history; a mismatch stops the run here. */
  private reach(kind: StepKind, name: string): { key: string; position: number; record: StepRecord | null } {
    this.assertActive()
    const key = this.nextKey(name)
    const position = ++this.position
    const found = this.history.match({ kind, name, key, position })
    if (isDivergence(found)) this.diverge(found)
    return { key, position, record: found }
  }

  /**
   * The key of the next point with this name: the name, then `name#2`, `name#3`... when
   * it repeats. Names cannot contain `#` (src/names.ts), so no name can produce another's
   * key; patch markers start with `#` and so never meet a step's.
   */
  private nextKey(name: string): string {
    const count = (this.seen.get(name) ?? 0) + 1
    this.seen.set(name, count)
    return count === 1 ? name : `${name}#${count}`
  }

  /** A recorded result, handed back in its recorded order. */
  private replay<T>(record: StepRecord): Promise<T> {
    const value = (): T => {
      if (record.kind === 'child') return childResult<T>(record.outputJson)
      if (record.status === 'failed') {
        if (record.kind === 'wait') throw new EventTimeoutError(record.name, record.wakeAt ?? record.startedAt)
        throw stepFailure(record)
      }
      return fromJson<T>(record.outputJson)
    }
    const at = record.finishedAt ?? this.logicalTime
    if (record.resolvedSeq === null) {
      // Recorded before results had an order: hand it back at once, as then.
      this.logicalTime = at
      return Promise.resolve().then(value)
    }
    return this.deliver(record.resolvedSeq, at, value)
  }

  /**
   * Commits a point's result, then hands it back in commit order. A result the database
   * refuses to store (STORE_REJECTED) fails the step instead, with that error.
   */
  private async resolveWith<T>(record: StepRecord, value: () => T): Promise<T> {
    const seq = this.nextSeq++
    this.sequencer.expect(seq)
    const finishedAt = this.deps.clock.now()
    const step = { ...record, resolvedSeq: seq, finishedAt }
    try {
      await this.write({ kind: 'step', lease: this.lease, now: finishedAt, step }, true)
    } catch (error) {
      if (!(error instanceof Rejected)) throw error
      this.sequencer.drop(seq)
      if (record.status !== 'completed') {
        // Even the failure could not be stored: a store error like any other.
        this.deps.storeFailed(error.cause)
        throw new Suspend()
      }
      const failed: StepRecord = {
        ...record,
        status: 'failed',
        outputJson: null,
        errorJson: JSON.stringify(serializeError(error.cause)),
      }
      return this.resolveWith<T>(failed, () => {
        throw stepFailure(failed)
      })
    }
    return this.deliver(seq, finishedAt, value)
  }

  private deliver<T>(seq: number, at: number, value: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.sequencer.resolve(seq, () => {
        if (this.deps.isHalted()) return
        this.logicalTime = at
        try {
          resolve(value())
        } catch (error) {
          reject(error as Error)
        }
      })
    })
  }

  /**
   * A new step at `position` starts at once, unless history holds points recorded after
   * it that the code has not reached yet: then it waits until the run is otherwise idle,
   * when either every recorded point was matched (it is new: a step lost in a crash) or
   * some never will be (the code changed, and the step must not run).
   */
  private async startAllowed(position: number): Promise<void> {
    await this.frontier()
    if (!this.history.recordedFrom(position + 1) || this.history.caughtUp()) return
    await new Promise<void>((resolve) => {
      this.deferred.push(resolve)
      this.scheduleCheck()
    })
    this.assertActive()
  }

  /** Parks a branch until `resume` (its timer is due, or the events it waits for are in). */
  private block(entry: WaitEntry, position: number): Promise<void> {
    this.assertActive()
    return new Promise<void>((resolve) => {
      const blocked: Blocked = {
        entry,
        position,
        timer: undefined,
        resume: () => {
          blocked.timer?.clear()
          if (this.blocked.get(entry.key) === blocked) this.blocked.delete(entry.key)
          resolve()
        },
      }
      this.blocked.set(entry.key, blocked)
      this.armTimer(blocked)
      this.scheduleCheck()
    })
  }

  /** While other branches run, a blocked branch's time may come: it resumes in this run. */
  private armTimer(blocked: Blocked): void {
    const until = blocked.entry.until
    if (until === null || this.deps.dryRun) return
    blocked.timer = setLongTimeout(
      () => {
        if (this.deps.isHalted() || this.blocked.get(blocked.entry.key) !== blocked) return
        if (this.suspending) return // `check` runs again if the run goes on
        if (this.deps.clock.now() >= until) blocked.resume()
        else this.armTimer(blocked)
      },
      Math.max(0, until - this.deps.clock.now()),
    )
    blocked.timer.unref()
  }

  private isIdle(): boolean {
    return this.busy === 0 && !this.sequencer.busy
  }

  private settled(): void {
    if (!this.isIdle()) return
    for (const resolve of this.idleWaiters.splice(0)) resolve()
    this.scheduleCheck()
  }

  private scheduleCheck(): void {
    if (this.checkScheduled) return
    this.checkScheduled = true
    setImmediate(() => {
      this.checkScheduled = false
      void this.check()
    })
  }

  /**
   * Called whenever the run may have gone idle: decides what an idle run does next.
   * Stop on history the code will not reach; start steps held back by `startAllowed`;
   * resume branches whose time came; else suspend on everything blocked.
   */
  private async check(): Promise<void> {
    if (this.deps.isHalted() || this.bodyDone || this.suspending || !this.isIdle()) return
    const stuck = this.sequencer.blockedOn !== undefined || this.deferred.length > 0 || this.blocked.size > 0
    if (stuck) {
      const divergence = this.history.firstUnmatched()
      if (divergence) return void this.stopOn(divergence)
    }
    if (this.deferred.length > 0) {
      for (const start of this.deferred.splice(0)) start()
      return
    }
    if (this.blocked.size === 0) return
    const now = this.deps.clock.now()
    const due = [...this.blocked.values()].filter((b) => b.entry.until !== null && b.entry.until <= now)
    if (due.length > 0) {
      for (const blocked of due) blocked.resume()
      return
    }
    if (this.deps.dryRun) return this.deps.halt('waiting')
    const waits = [...this.blocked.values()].map((b) => b.entry)
    const status = waits.every((w) => w.kind === 'retry') ? 'pending' : 'waiting'
    let outcome: WriteOutcome
    this.suspending = true
    try {
      outcome = await this.write({ kind: 'suspend', lease: this.lease, status, waits, now })
    } catch {
      return // halted by the failed write
    } finally {
      this.suspending = false
    }
    if (!outcome.ok || outcome.kind !== 'suspend') return
    if (outcome.result === 'suspended') return this.deps.halt('waiting')
    this.scheduleCheck() // a timer that came due meanwhile is looked at again
    // Events some branches wait for are in: the oldest such wait takes its event, and the
    // run goes on from there; the others look again the next time the run is idle. Every
    // child whose end is in resumes at once: each end is meant for one call only.
    const ready = new Set(outcome.events)
    const answered = [...this.blocked.values()].filter((b) => ready.has(inboxName(b.entry) ?? ''))
    for (const blocked of answered) if (blocked.entry.kind === 'child') blocked.resume()
    const first = answered.filter((b) => b.entry.kind === 'event').sort((a, b) => a.position - b.position)[0]
    first?.resume()
  }

  private stopOn(divergence: Divergence): void {
    if (this.deps.isHalted()) return
    this.deps.diverged(divergence)
  }

  private diverge(divergence: Divergence): never {
    this.stopOn(divergence)
    throw new Suspend()
  }

  /**
   * In a replay-only run, a branch that reaches anything not recorded yet stops there for
   * good, while the other branches replay on; the run ends when all have stopped.
   */
  private async frontier(): Promise<void> {
    this.assertActive()
    if (this.deps.dryRun) await this.block({ kind: 'event', key: `#frontier:${this.nextSeq++}`, until: null }, 0)
  }

  /** @param refusable the caller handles a write the database refused (it throws `Rejected`) */
  private async write(write: FencedWrite, refusable = false): Promise<WriteOutcome> {
    // A halted run writes nothing more: after a store error its execution may already be
    // running again in a resumed run under the same lease, and a late write would race it.
    await this.frontier()
    this.busy++
    let outcome: WriteOutcome
    try {
      outcome = await this.deps.commit(write)
    } catch (error) {
      if (refusable && isZartError(error) && error.code === 'STORE_REJECTED') throw new Rejected(error)
      this.deps.storeFailed(error)
      throw new Suspend()
    } finally {
      this.busy--
      this.settled()
    }
    if (!outcome.ok) this.suspend(outcome.reason === 'paused' ? 'paused' : 'lease_lost')
    this.assertActive()
    return outcome
  }

  /** Once the run is halted, every further call of the workflow stops here. */
  private assertActive(): void {
    if (this.deps.isHalted()) throw new Suspend()
  }

  private suspend(reason: HaltReason): never {
    this.deps.halt(reason)
    throw new Suspend()
  }
}

/** The one check of a progress report, with a message that says what to change. */
function checkProgress(report: ProgressReport): ProgressReport {
  const out: ProgressReport = {}
  const bad = (what: string) => new ZartError('INVALID_INPUT', `ctx.progress: ${what}`)
  const unknown = Object.keys(report).filter((k) => !['fraction', 'message', 'data'].includes(k))
  if (unknown.length > 0) throw bad(`unknown ${unknown.join(', ')}: it takes fraction, message and data`)
  if (report.fraction !== undefined) {
    if (typeof report.fraction !== 'number' || !(report.fraction >= 0 && report.fraction <= 1)) {
      throw bad(`fraction ${String(report.fraction)} is not a number from 0 to 1`)
    }
    out.fraction = report.fraction
  }
  if (report.message !== undefined) {
    if (typeof report.message !== 'string' || report.message.length > 500) {
      throw bad('message must be a string of at most 500 characters')
    }
    out.message = report.message
  }
  if (report.data !== undefined) {
    const json = toJson(report.data, 'progress data', 4096)
    if (typeof report.data !== 'object' || report.data === null || Array.isArray(report.data)) {
      throw bad('data must be a JSON object')
    }
    out.data = JSON.parse(json) as Record<string, unknown>
  }
  if (out.fraction === undefined && out.message === undefined && out.data === undefined) {
    throw bad('give a fraction from 0 to 1, a message, or both')
  }
  return out
}

/** One failed attempt of a step, as its error history keeps it. */
interface AttemptError {
  attempt: number
  name: string
  message: string
  /** When it failed (ms since the epoch). */
  at: number
}

/** The record of a wait or sleep reached and not over yet. */
function openPoint(
  kind: 'wait' | 'sleep' | 'child',
  key: string,
  name: string,
  position: number,
  startedAt: number,
  wakeAt: number | null,
): StepRecord {
  return {
    key,
    name,
    kind,
    position,
    resolvedSeq: null,
    status: 'waiting',
    attempts: 1,
    outputJson: null,
    errorJson: null,
    startedAt,
    finishedAt: null,
    wakeAt,
  }
}

/** A write the database refused, for the caller to turn into a failed step. */
class Rejected extends Error {
  override readonly cause: ZartError

  constructor(cause: ZartError) {
    super(cause.message)
    this.cause = cause
  }
}

function stepFailure(record: StepRecord): StepFailedError {
  return new StepFailedError(record.key, record.attempts, fromJson<SerializedError>(record.errorJson))
}
