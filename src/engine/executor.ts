import type { Clock } from '../clock.ts'
import { isoTime } from '../duration.ts'
import { setLongTimeout, type LongTimer } from '../timers.ts'
import { ChildFailedError, serializeError, StepFailedError } from '../errors.ts'
import { jsonSchema } from '../json-schema.ts'
import type { Claim, ExecutionRecord, FencedWrite, WriteOutcome } from '../storage/store.ts'
import { ExecutionContext } from './context.ts'
import type { Divergence } from './history.ts'
import { toJson } from './json.ts'
import type { Logger } from './logger.ts'
import { retryDelay, WORKFLOW_RETRY_POLICY } from './retry-policy.ts'
import { Suspend, type HaltReason } from './suspend.ts'
import { RunTelemetry, type EngineMetrics } from './telemetry.ts'
import type { WorkflowDefinition } from './workflow.ts'
import type { PrepareChild } from './child.ts'

export interface ExecutorDeps {
  clock: Clock
  random: () => number
  commit: (write: FencedWrite) => Promise<WriteOutcome>
  logger: Logger
  /** Largest step result or workflow output accepted, in bytes of JSON. */
  maxResultBytes: number
  /**
   * Takeovers in a row (claims of an execution whose worker died or hung, with no
   * progress since) after which the execution fails instead of trying again.
   */
  maxTakeovers: number
  /** How long a finished body waits for steps still running beside it (a lost race), in ms. */
  finishGraceMs: number
  /** Where runs, steps and finishes are counted, if anywhere (traces need no sink). */
  metrics?: EngineMetrics | undefined
  /** Checks `ctx.child` calls (see `RunDeps.prepareChild`). */
  prepareChild?: PrepareChild | undefined
  /** Stops the runs, if held here, of children this execution's end cancelled. */
  haltClosed?: ((ids: readonly string[]) => void) | undefined
}

/** How long an execution whose replay diverged waits before a worker tries it again. */
export const DIVERGED_RETRY_MS = 30_000

/**
 * One run of one claimed execution. The worker keeps the handle to stop it from outside
 * (cancel, lost lease, shutdown); `done` settles when the run has nothing left to do.
 */
export class ExecutionRun {
  readonly id: string
  readonly token: number
  readonly done: Promise<HaltReason | 'finished'>
  /** Why the store failed a commit of this run, when it did (the run then halts with `store_error`). */
  storeError: unknown = null
  /** The finished row, when the store answered the finishing commit with it. */
  finished: ExecutionRecord | null = null
  private readonly controller = new AbortController()
  private haltReason: HaltReason | null = null
  private resolveHalted!: (reason: HaltReason) => void
  private readonly halted = new Promise<HaltReason>((resolve) => (this.resolveHalted = resolve))
  private deadlineTimer: LongTimer | undefined
  /** The commit handing back a run whose replay diverged, while it is on its way. */
  private handingBack: Promise<void> | undefined
  private readonly telemetry: RunTelemetry
  /** What the run's last write made of the execution, for its span. */
  private outcome: { status: string; errorJson: string | null } | undefined

  private readonly claim: Claim
  private readonly definition: WorkflowDefinition
  private readonly deps: ExecutorDeps

  constructor(claim: Claim, definition: WorkflowDefinition, deps: ExecutorDeps) {
    this.claim = claim
    this.definition = definition
    this.deps = deps
    this.id = claim.execution.id
    this.token = claim.execution.leaseToken
    this.telemetry = new RunTelemetry(claim.execution, deps.metrics)
    this.done = this.run().finally(() => {
      this.deadlineTimer?.clear()
      const stopped = this.haltReason === 'waiting' ? 'suspended' : (this.haltReason ?? 'lease_lost')
      this.telemetry.end(this.outcome?.status ?? stopped, this.outcome?.errorJson)
    })
  }

  /** Stops the run from outside: the workflow sees its AbortSignal fire and writes nothing more. */
  halt(reason: HaltReason): void {
    if (this.haltReason !== null) return
    this.haltReason = reason
    if (
      reason === 'cancelled' ||
      reason === 'timed_out' ||
      reason === 'lease_lost' ||
      reason === 'shutdown' ||
      reason === 'diverged' ||
      reason === 'paused'
    ) {
      this.controller.abort(new Error(`execution ${reason.replace('_', ' ')}`))
    }
    this.resolveHalted(reason)
  }

  private get lease() {
    return { executionId: this.id, token: this.token }
  }

  private async run(): Promise<HaltReason | 'finished'> {
    const { execution } = this.claim
    const now = this.deps.clock.now()
    if (execution.deadlineAt !== null) {
      if (execution.deadlineAt <= now) return this.timeOut()
      // Enforced even when the workflow hangs: the worker finishes it at the deadline.
      this.deadlineTimer = setLongTimeout(() => void this.timeOut(), execution.deadlineAt - now)
    }
    if (execution.takeovers >= this.deps.maxTakeovers) return this.crashLoop()
    const ctx = new ExecutionContext(this.claim, {
      clock: this.deps.clock,
      random: this.deps.random,
      commit: this.deps.commit,
      signal: this.controller.signal,
      halt: (reason) => this.halt(reason),
      storeFailed: (error) => {
        this.storeError = error
        this.halt('store_error')
      },
      diverged: (divergence) => {
        this.handingBack = this.diverged(divergence)
      },
      isHalted: () => this.haltReason !== null,
      maxResultBytes: this.deps.maxResultBytes,
      logger: this.deps.logger,
      events: this.definition.events ? Object.keys(this.definition.events) : undefined,
      eventSchema: (name) => {
        const schema = this.definition.events?.[name]
        return schema && jsonSchema(schema)
      },
      telemetry: this.telemetry,
      prepareChild: this.deps.prepareChild,
    })
    try {
      const input: unknown = JSON.parse(execution.inputJson)
      const body = Promise.resolve()
        .then(() => this.telemetry.within(() => this.definition.run(ctx, input as never)))
        .then(
          (output) => ({ ok: true as const, output }),
          (error: unknown) => ({ ok: false as const, error }),
        )
        .then((outcome) => {
          ctx.finishBody()
          return outcome
        })
      const outcome = await Promise.race([body, this.halted])
      if (typeof outcome === 'string' || this.haltReason !== null) return this.haltReason ?? 'lease_lost'
      if (!outcome.ok && outcome.error instanceof Suspend) return this.haltReason ?? 'lease_lost'
      // Steps still running beside the body (a lost race) finish and are committed first,
      // for up to the grace period: a losing branch that hangs must not hold the result back.
      let graceTimer: LongTimer | undefined
      await Promise.race([
        ctx.idle(),
        this.halted,
        new Promise<void>((resolve) => (graceTimer = setLongTimeout(resolve, this.deps.finishGraceMs))),
      ])
      graceTimer?.clear()
      if (this.haltReason !== null) return this.haltReason ?? 'lease_lost'
      const unreached = ctx.unreached()
      if (unreached) {
        this.handingBack = this.diverged(unreached)
        return 'diverged'
      }
      if (outcome.ok) return await this.complete(outcome.output)
      return await this.fail(outcome.error)
    } finally {
      ctx.dispose()
      // A diverged run's hand-back is part of the run: it ends when that is committed.
      await this.handingBack
    }
  }

  /**
   * The code no longer matches the execution's history: stop before anything new runs,
   * and hand the execution back with the reason as its error, to be tried again (after a
   * fix or a rollback it resumes; until then it waits). Not a failure: nothing is lost.
   */
  private async diverged(divergence: Divergence): Promise<void> {
    if (this.haltReason !== null) return
    this.halt('diverged')
    const now = this.deps.clock.now()
    const errorJson = JSON.stringify({
      name: 'ReplayDivergedError',
      code: 'REPLAY_DIVERGED',
      message: divergence.message,
      position: divergence.position,
      history: divergence.history,
      code_asked: divergence.code,
    })
    this.deps.logger.warn('replay diverged; execution handed back until the code matches', {
      execution: this.id,
      error: divergence.message,
    })
    this.outcome = { status: 'diverged', errorJson }
    await this.deps
      .commit({ kind: 'release', lease: this.lease, runAt: now + DIVERGED_RETRY_MS, errorJson, countRetry: false, now })
      .catch((error: unknown) =>
        this.deps.logger.error('could not hand back a diverged execution', {
          execution: this.id,
          error: String(error),
        }),
      )
  }

  /** The worker running this execution died or hung too many times in a row: stop trying. */
  private async crashLoop(): Promise<HaltReason | 'finished'> {
    const { execution } = this.claim
    const where = execution.currentStep === null ? 'before its first step' : `after "${execution.currentStep}"`
    const errorJson = JSON.stringify({
      name: 'WorkerCrashLoopError',
      code: 'WORKER_CRASH_LOOP',
      message:
        `the worker running this execution died or hung ${execution.takeovers} times in a row ${where} without ` +
        `recording progress: the next step probably kills or hangs its process (out of memory, a crash in native ` +
        `code, an endless loop). Fix that step, then schedule the work again.`,
      takeovers: execution.takeovers,
      step: execution.currentStep,
    })
    return this.finish({
      kind: 'finish',
      lease: this.lease,
      status: 'failed',
      outputJson: null,
      errorJson,
      now: this.deps.clock.now(),
    })
  }

  private async complete(output: unknown): Promise<HaltReason | 'finished'> {
    let outputJson: string
    try {
      outputJson = toJson(output, 'workflow output', this.deps.maxResultBytes)
    } catch (error) {
      return this.fail(error, false)
    }
    return this.finish({
      kind: 'finish',
      lease: this.lease,
      status: 'completed',
      outputJson,
      errorJson: null,
      now: this.deps.clock.now(),
    })
  }

  private async fail(error: unknown, retryable = true): Promise<HaltReason | 'finished'> {
    const cause = serializeError(error)
    const record =
      error instanceof StepFailedError
        ? { ...cause, step: error.step, cause: error.cause }
        : error instanceof ChildFailedError
          ? { ...cause, child: error.child, cause: error.cause }
          : cause
    const errorJson = JSON.stringify(record)
    const { execution } = this.claim
    // A step failure that escaped the workflow was already retried by its own policy; a
    // child's failure comes back the same on every run of this one.
    const canRetry =
      retryable && !cause.nonRetryable && !(error instanceof StepFailedError) && !(error instanceof ChildFailedError)
    if (canRetry && execution.workflowRetries < this.definition.maxRetries) {
      const now = this.deps.clock.now()
      const runAt = now + retryDelay(WORKFLOW_RETRY_POLICY, execution.workflowRetries + 1, this.deps.random)
      this.deps.logger.warn('workflow run failed; retrying', { execution: this.id, error: cause.message, runAt })
      return this.finish({ kind: 'release', lease: this.lease, runAt, errorJson, countRetry: true, now })
    }
    return this.finish({
      kind: 'finish',
      lease: this.lease,
      status: 'failed',
      outputJson: null,
      errorJson,
      now: this.deps.clock.now(),
    })
  }

  private async timeOut(): Promise<HaltReason> {
    if (this.haltReason !== null && this.haltReason !== 'waiting') return this.haltReason
    this.halt('timed_out')
    const deadline = this.claim.execution.deadlineAt ?? this.deps.clock.now()
    const errorJson = JSON.stringify({
      name: 'WorkflowTimeoutError',
      message: `the workflow did not finish before its deadline ${isoTime(deadline)}`,
    })
    this.outcome = { status: 'timed_out', errorJson }
    await this.deps
      .commit(
        this.toParent({
          kind: 'finish',
          lease: this.lease,
          status: 'timed_out',
          outputJson: null,
          errorJson,
          now: this.deps.clock.now(),
        }),
      )
      .then((outcome) => {
        if (outcome.ok && outcome.kind === 'finish' && outcome.closed) this.deps.haltClosed?.(outcome.closed)
      })
      .catch((error: unknown) =>
        this.deps.logger.error('could not record timeout', { execution: this.id, error: String(error) }),
      )
    return 'timed_out'
  }

  /** A child's finishing write names its parent, whose inbox learns of the end in the same commit. */
  private toParent(write: FencedWrite): FencedWrite {
    const { parentId } = this.claim.execution
    return write.kind === 'finish' && parentId !== null ? { ...write, parentId } : write
  }

  private async finish(write: FencedWrite): Promise<HaltReason | 'finished'> {
    const outcome = await this.deps.commit(this.toParent(write))
    if (outcome.ok && outcome.kind === 'finish' && outcome.execution) this.finished = outcome.execution
    if (outcome.ok && outcome.kind === 'finish' && outcome.closed) this.deps.haltClosed?.(outcome.closed)
    if (outcome.ok && write.kind === 'finish') this.outcome = { status: write.status, errorJson: write.errorJson }
    // A whole-run retry: the run failed, the execution goes on.
    if (outcome.ok && write.kind === 'release') this.outcome = { status: 'pending', errorJson: write.errorJson }
    if (outcome.ok && write.kind === 'finish') {
      const { execution } = this.claim
      const fields = {
        execution: this.id,
        workflow: execution.workflow,
        status: write.status,
        attempt: execution.attempt,
        duration_ms: write.now - execution.createdAt,
      }
      if (write.status === 'completed') this.deps.logger.info('execution finished', fields)
      else this.deps.logger.warn('execution finished', { ...fields, error: errorMessage(write.errorJson) })
    }
    return outcome.ok ? 'finished' : 'lease_lost'
  }
}

/** The message of a stored error, for a log line. */
function errorMessage(errorJson: string | null): string | undefined {
  if (errorJson === null) return undefined
  try {
    return (JSON.parse(errorJson) as { message?: string }).message
  } catch {
    return errorJson
  }
}
