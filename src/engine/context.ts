import { parseDuration, type Duration } from '../duration.ts'
import { EventTimeoutError, StepFailedError, serializeError, type SerializedError } from '../errors.ts'
import type { Clock } from '../clock.ts'
import type { Claim, FencedWrite, Lease, StepRecord, WriteOutcome } from '../storage/store.ts'
import { fromJson, NotJsonError, toJson } from './json.ts'
import { RetryConfig, retryDelay, type RetryPolicy } from './retry-policy.ts'
import { Suspend, type HaltReason } from './suspend.ts'

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
   * Deterministic time: when the execution's most recent durable point (step, wait,
   * sleep, or creation) happened. The same on every replay.
   */
  now(): Date
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
  isHalted: () => boolean
  /** Largest step result accepted, in bytes of JSON. */
  maxResultBytes: number
}

/** The context of one run of one execution: replays stored steps, records new ones. */
export class ExecutionContext implements WorkflowContext {
  readonly executionId: string
  readonly workflow: string
  readonly attempt: number
  readonly signal: AbortSignal
  private readonly lease: Lease
  private readonly steps: Map<string, StepRecord>
  private readonly seen = new Map<string, number>()
  private logicalTime: number

  constructor(
    claim: Claim,
    private readonly deps: RunDeps,
  ) {
    this.executionId = claim.execution.id
    this.workflow = claim.execution.workflow
    this.attempt = claim.execution.attempt
    this.signal = deps.signal
    this.lease = { executionId: claim.execution.id, token: claim.execution.leaseToken }
    this.steps = new Map(claim.steps.map((s) => [s.key, s]))
    this.logicalTime = claim.execution.createdAt
  }

  now(): Date {
    return new Date(this.logicalTime)
  }

  stepWithRetry<T>(name: string, retry: RetryPolicy, fn: (info: StepInfo) => Promise<T> | T): Promise<T> {
    return this.step(name, fn, { retry })
  }

  async step<T>(name: string, fn: (info: StepInfo) => Promise<T> | T, options: StepOptions = {}): Promise<T> {
    const key = this.nextKey(name)
    const stored = this.steps.get(key)
    if (stored?.status === 'completed') return this.replayed<T>(stored)
    if (stored?.status === 'failed') throw this.failure(stored)

    const attempt = (stored?.attempts ?? 0) + 1
    const startedAt = stored?.startedAt ?? this.deps.clock.now()
    const record = (patch: Partial<StepRecord>): StepRecord => ({
      key,
      name,
      kind: 'step',
      status: 'completed',
      attempts: attempt,
      outputJson: null,
      errorJson: null,
      startedAt,
      finishedAt: this.deps.clock.now(),
      wakeAt: null,
      ...patch,
    })
    let value: T
    let outputJson: string
    try {
      value = await fn({ key, idempotencyKey: `${this.executionId}:${key}`, attempt, signal: this.signal })
      this.assertActive()
      outputJson = toJson(value, `result of step "${key}"`, this.deps.maxResultBytes)
    } catch (error) {
      this.assertActive()
      const policy = options.retry ?? RetryConfig.none()
      const cause = serializeError(error)
      const retryable = !cause.nonRetryable && !(error instanceof NotJsonError)
      if (retryable && attempt < policy.maxAttempts) {
        const retryAt = this.deps.clock.now() + retryDelay(policy, attempt, this.deps.random)
        await this.write({
          kind: 'step',
          lease: this.lease,
          now: this.deps.clock.now(),
          retryAt,
          step: record({ status: 'retrying', errorJson: JSON.stringify(cause), finishedAt: null }),
        })
        return this.suspend('retry')
      }
      const failed = record({ status: 'failed', errorJson: JSON.stringify(cause) })
      await this.write({ kind: 'step', lease: this.lease, now: this.deps.clock.now(), step: failed })
      throw this.failure(failed)
    }
    const done = record({ outputJson })
    await this.write({ kind: 'step', lease: this.lease, now: this.deps.clock.now(), step: done })
    this.logicalTime = done.finishedAt ?? this.logicalTime
    return value
  }

  async waitForEvent<T = unknown>(name: string, options: WaitOptions = {}): Promise<T> {
    const key = this.nextKey(name)
    const stored = this.steps.get(key)
    if (stored?.status === 'completed') return this.replayed<T>(stored)
    if (stored?.status === 'failed') throw new EventTimeoutError(name, stored.wakeAt ?? stored.startedAt)

    const now = this.deps.clock.now()
    const wakeAt =
      stored?.wakeAt ?? (options.timeout === undefined ? null : now + parseDuration(options.timeout, 'wait timeout'))
    const outcome = await this.write({ kind: 'wait', lease: this.lease, stepKey: key, event: name, wakeAt, now })
    if (outcome.ok && outcome.kind === 'wait') {
      if (outcome.result === 'consumed') {
        this.logicalTime = outcome.finishedAt
        return JSON.parse(outcome.payloadJson) as T
      }
      if (outcome.result === 'timed_out') throw new EventTimeoutError(name, wakeAt ?? now)
    }
    return this.suspend('waiting')
  }

  async sleep(duration: Duration): Promise<void> {
    const key = this.nextKey('sleep')
    const stored = this.steps.get(key)
    if (stored?.status === 'completed') {
      this.replayed(stored)
      return
    }
    const now = this.deps.clock.now()
    const wakeAt = stored?.wakeAt ?? now + parseDuration(duration, 'sleep duration')
    if (wakeAt > now) {
      await this.write({ kind: 'sleep', lease: this.lease, stepKey: key, wakeAt, now })
      return this.suspend('waiting')
    }
    const step: StepRecord = {
      key,
      name: 'sleep',
      kind: 'sleep',
      status: 'completed',
      attempts: 1,
      outputJson: null,
      errorJson: null,
      startedAt: stored?.startedAt ?? now,
      finishedAt: now,
      wakeAt,
    }
    await this.write({ kind: 'step', lease: this.lease, now, step })
    this.logicalTime = now
  }

  private nextKey(name: string): string {
    this.assertActive()
    const count = (this.seen.get(name) ?? 0) + 1
    this.seen.set(name, count)
    return count === 1 ? name : `${name}#${count}`
  }

  private replayed<T>(stored: StepRecord): T {
    if (stored.finishedAt !== null) this.logicalTime = stored.finishedAt
    return fromJson<T>(stored.outputJson)
  }

  private failure(stored: StepRecord): StepFailedError {
    if (stored.finishedAt !== null) this.logicalTime = stored.finishedAt
    return new StepFailedError(stored.key, stored.attempts, fromJson<SerializedError>(stored.errorJson))
  }

  private async write(write: FencedWrite): Promise<WriteOutcome> {
    // A halted run writes nothing more: after a store error its execution may already be
    // running again in a resumed run under the same lease, and a late write would race it.
    this.assertActive()
    let outcome: WriteOutcome
    try {
      outcome = await this.deps.commit(write)
    } catch (error) {
      this.deps.storeFailed(error)
      throw new Suspend()
    }
    if (!outcome.ok) this.suspend('lease_lost')
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
