import { nanoid } from 'nanoid'
import { databaseUnavailable } from '../errors.ts'
import { processExists, thisProcess } from '../process-info.ts'
import type { Clock } from '../clock.ts'
import { setLongInterval, setLongTimeout, type LongTimer } from '../timers.ts'
import { isTerminal, type Claim, type ExecutionRecord, type Lease, type Store } from '../storage/store.ts'
import { GroupCommitter } from './committer.ts'
import { ExecutionRun } from './executor.ts'
import type { Logger } from './logger.ts'
import type { HaltReason } from './suspend.ts'
import type { EngineMetrics } from './telemetry.ts'
import type { WorkflowDefinition } from './workflow.ts'
import type { PrepareChild } from './child.ts'

/**
 * Fewest ms between two lease checks made because the store signalled a change (see
 * `checkLeasesSoon`), whatever `pollMs` is. On SQLite every commit, this worker's own
 * heartbeat included, signals a change: the floor bounds that loop to a few small writes
 * a second while runs are active, and bounds how late a cancel from another process is seen.
 */
const WAKE_CHECK_MIN_MS = 250

export interface WorkerOptions {
  /** Executions run at once by this worker (default 64). */
  concurrency?: number
  /** How long a claim holds without a heartbeat, in ms (default 30 s); renewed every third of it. */
  leaseMs?: number
  /** How often an idle worker looks for work another process made due, in ms (default 50). */
  pollMs?: number
  /** On stop, how long running workflows get to reach a durable point, in ms (default 10 s). */
  graceMs?: number
  /** Largest step result or workflow output, in bytes of JSON (default: the client's payload limit, 1 MiB). */
  maxResultBytes?: number
  /**
   * After this many claims in a row that took over from a worker that died or hung with
   * no progress since, the execution fails with WORKER_CRASH_LOOP (default 5).
   */
  maxTakeovers?: number
  /**
   * Claim only executions started under the versions of the workflows this worker has
   * loaded (or with no recorded version), so old executions finish on old code while new
   * ones start on new code. Default false: any version.
   */
  pinVersions?: boolean
}

export interface WorkerDeps {
  store: Store
  workflows: ReadonlyMap<string, WorkflowDefinition>
  clock: Clock
  random: () => number
  logger: Logger
  /**
   * Told when a run ends, so waiters in this process learn at once; with the finished row
   * when the run finished the execution and the store answered with it.
   */
  onSettled: (executionId: string, finished: ExecutionRecord | null) => void
  /** Where claims, runs, steps and commits are counted, if anywhere. */
  metrics?: EngineMetrics | undefined
  /** Checks `ctx.child` calls as schedules are checked; absent: workflows cannot start children. */
  prepareChild?: PrepareChild
}

/** How often a worker looks for workers on its own machine whose process is gone. */
const NEIGHBOUR_CHECK_MS = 1_000

/**
 * Claims due executions and runs them, holding a lease on each that a heartbeat renews.
 * Waiting executions are rows, not promises: the worker holds only what it runs.
 */
export class Worker {
  readonly id = `w-${nanoid(10)}`
  private readonly active = new Map<string, ExecutionRun>()
  /** Runs stopped by a store error, waiting for the database to answer again. */
  private readonly resuming = new Set<Promise<void>>()
  /** Runs ended so far (see `drain`). */
  private settledRuns = 0
  /** Aborted by `stop()`: cuts short the pauses between attempts to resume. */
  private readonly stopController = new AbortController()
  /** Slots promised to executions being created already claimed (see `offerSlot`). */
  private reserved = 0
  private readonly committer: GroupCommitter
  private readonly concurrency: number
  private readonly leaseMs: number
  private readonly pollMs: number
  private readonly graceMs: number
  /** What this worker can run, asked of every claim; the registry is fixed once built. */
  private readonly workflowNames: string[]
  private readonly maxResultBytes: number
  private readonly maxTakeovers: number
  /** With `pinVersions`: the `workflow@version` pairs this worker claims. */
  private readonly versions: string[] | undefined
  private running = false
  private loop: Promise<void> | null = null
  private wake: (() => void) | null = null
  private poked = false
  /** Something was made due since the last claim (see `poke`), not just a slot freed. */
  private madeDue = false
  private heartbeatTimer: LongTimer | undefined
  private neighbourTimer: LongTimer | undefined
  /** Where this worker runs, for its row and to tell a dead neighbour (see `reportAlive`). */
  private readonly process = thisProcess()
  /** When `start()` ran, for the worker's row (see `reportAlive`). */
  private startedAt = 0
  /** A lease check asked for by a wake-up, waiting out the rate limit. */
  private checkTimer: LongTimer | null = null
  /** The lease check in flight, if any; checks never overlap. */
  private checking: Promise<void> | null = null
  /** A check was asked for while one was in flight: its answer may predate the change. */
  private checkAgain = false
  private lastCheckAt = -Infinity
  private readonly wakeCheckMs: number
  /** Stops the store's cross-process wake-ups, when it has them (see `Store.subscribe`). */
  private unsubscribe: Promise<(() => Promise<void>) | null> | null = null

  private readonly deps: WorkerDeps

  constructor(deps: WorkerDeps, options: WorkerOptions = {}) {
    this.deps = deps
    this.committer = new GroupCommitter(deps.store, deps.metrics)
    this.concurrency = options.concurrency ?? 64
    this.leaseMs = options.leaseMs ?? 30_000
    this.pollMs = options.pollMs ?? 50
    this.graceMs = options.graceMs ?? 10_000
    this.wakeCheckMs = Math.max(this.pollMs, WAKE_CHECK_MIN_MS)
    this.workflowNames = [...deps.workflows.keys()]
    this.maxResultBytes = options.maxResultBytes ?? 1024 * 1024
    this.maxTakeovers = options.maxTakeovers ?? 5
    this.versions = options.pinVersions ? [...deps.workflows.values()].map((d) => `${d.name}@${d.version}`) : undefined
  }

  /** Whether this worker runs the execution now (its run tells `onSettled` when it ends). */
  holds(executionId: string): boolean {
    return this.active.has(executionId)
  }

  /** Whether this worker is started and runs `workflow`: a live worker of it, without asking the store. */
  runs(workflow: string): boolean {
    return this.running && this.deps.workflows.has(workflow)
  }

  /** Number of executions this worker is running now. */
  get activeCount(): number {
    return this.active.size
  }

  private get busySlots(): number {
    return this.active.size + this.reserved
  }

  start(): void {
    if (this.running) return
    this.running = true
    // Long timers: a lease of months must not heartbeat every millisecond (see src/timers.ts).
    this.heartbeatTimer = setLongInterval(
      () => {
        this.checkLeases()
        void this.reportAlive()
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    ).unref()
    this.startedAt = this.deps.clock.now()
    void this.reportAlive()
    // A cheap read (and one kill(pid, 0) per neighbour), often: a dead neighbour's work is
    // taken over within about a second instead of a lease period.
    this.neighbourTimer = setLongInterval(() => {
      this.takeOverDeadNeighbours().catch((error: unknown) =>
        this.deps.logger.warn('could not look for dead workers on this machine', { error: String(error) }),
      )
    }, NEIGHBOUR_CHECK_MS).unref()
    this.unsubscribe =
      this.deps.store
        .subscribe?.(() => this.changedElsewhere())
        .catch((error: unknown) => {
          this.deps.logger.warn('no wake-ups from other processes; polling only', { error: String(error) })
          return null
        }) ?? null
    this.loop = this.claimLoop()
  }

  /**
   * Something became due (scheduled, event delivered, here or, through the store's
   * wake-ups, in another process): claim now, and tell the store that work is due.
   */
  poke(): void {
    this.madeDue = true
    this.lookNow()
  }

  /** Ends the claim loop's idle wait, so it claims again at once. */
  private lookNow(): void {
    this.poked = true
    this.wake?.()
  }

  /**
   * When this worker is running and has a free slot, the lease terms under which a
   * process scheduling an execution may create it already claimed for this worker.
   */
  offerSlot(): { workerId: string; leaseMs: number } | undefined {
    if (!this.running || this.busySlots >= this.concurrency) return undefined
    this.reserved++
    return { workerId: this.id, leaseMs: this.leaseMs }
  }

  /** Gives back a slot from `offerSlot` that was not used (the row already existed). */
  returnSlot(): void {
    this.reserved = Math.max(0, this.reserved - 1)
  }

  /** Runs an execution created already claimed for this worker (see `offerSlot`). */
  adopt(claim: Claim): void {
    this.returnSlot()
    if (this.running) {
      this.launch(claim)
      return
    }
    // Stopped meanwhile: hand the lease back so another worker starts it at once.
    const now = this.deps.clock.now()
    const lease = { executionId: claim.execution.id, token: claim.execution.leaseToken }
    this.committer
      .write({ kind: 'release', lease, runAt: now, errorJson: null, countRetry: false, now })
      .catch((error: unknown) =>
        this.deps.logger.error('could not release an adopted execution', { error: String(error) }),
      )
  }

  /**
   * The store says another process changed something: look for due work now, and check
   * the leases of the runs held here soon, so a cancel made elsewhere stops its run within
   * a wake-up rather than at the next heartbeat.
   */
  private changedElsewhere(): void {
    this.poke()
    this.checkLeasesSoon()
  }

  /** Checks leases once the rate limit allows (at most one check per `wakeCheckMs`). */
  private checkLeasesSoon(): void {
    if (!this.running || this.active.size === 0 || this.checkTimer !== null) return
    const wait = Math.max(0, this.lastCheckAt + this.wakeCheckMs - performance.now())
    this.checkTimer = setLongTimeout(() => {
      this.checkTimer = null
      this.checkLeases()
    }, wait).unref()
  }

  /** Heartbeats now, unless a heartbeat is in flight: then once more after it, rate-limited. */
  private checkLeases(): void {
    if (this.checking !== null) {
      this.checkAgain = true
      return
    }
    this.lastCheckAt = performance.now()
    this.checking = this.heartbeat().finally(() => {
      this.checking = null
      if (!this.checkAgain) return
      this.checkAgain = false
      this.checkLeasesSoon()
    })
  }

  /** Stops a run this worker holds (the execution was cancelled here). */
  halt(executionId: string, reason: HaltReason): void {
    this.active.get(executionId)?.halt(reason)
  }

  /**
   * Runs everything due now, and what that makes due, until nothing is left. For tests
   * and scripts that drive time by hand; does not need `start()`.
   */
  async drain(): Promise<number> {
    let total = 0
    for (;;) {
      // A run that ends while the claim is out may free what the claim saw held (a queue's
      // slot, a parent woken by its child): nothing claimed then proves nothing is left.
      const settledBefore = this.settledRuns
      const claimed = await this.claimOnce()
      total += claimed
      if (claimed === 0 && this.active.size === 0 && this.settledRuns === settledBefore) return total
      if (claimed === 0 && this.active.size > 0) await Promise.race([...this.active.values()].map((r) => r.done))
    }
  }

  /**
   * Stops claiming, gives running workflows `graceMs` to reach a durable point, then
   * halts the rest and hands their leases back so another worker takes them at once.
   */
  async stop(): Promise<void> {
    this.running = false
    this.stopController.abort()
    this.wake?.()
    this.heartbeatTimer?.clear()
    this.neighbourTimer?.clear()
    this.checkTimer?.clear()
    this.checkTimer = null
    const unsubscribe = await this.unsubscribe
    this.unsubscribe = null
    await unsubscribe?.()
    await this.loop
    await Promise.all(this.resuming)
    await this.checking
    const runs = [...this.active.values()]
    if (runs.length > 0) {
      let timer: LongTimer | undefined
      const grace = new Promise((resolve) => (timer = setLongTimeout(() => resolve(undefined), this.graceMs)))
      await Promise.race([Promise.all(runs.map((r) => r.done)), grace])
      timer?.clear()
    }
    const left = [...this.active.values()]
    for (const run of left) run.halt('shutdown')
    if (left.length > 0) {
      const now = this.deps.clock.now()
      await this.deps.store.commit(
        left.map((run) => ({
          kind: 'release' as const,
          lease: { executionId: run.id, token: run.token },
          runAt: now,
          errorJson: null,
          countRetry: false,
          now,
        })),
      )
      this.deps.logger.info('released leases on shutdown', { count: left.length })
    }
    await this.deps.store.removeWorker(this.id).catch(() => {
      // Its row is forgotten once its lease period passes without a report.
    })
  }

  /**
   * Says in the database that this worker is alive and what it runs, once per heartbeat
   * period, so `status` can tell as a fact when no worker runs a workflow.
   */
  private async reportAlive(): Promise<void> {
    if (!this.running) return
    try {
      const now = this.deps.clock.now()
      await this.deps.store.recordWorker({
        id: this.id,
        host: this.process.host,
        pid: this.process.pid,
        scope: this.process.scope,
        workflows: this.workflowNames,
        leaseMs: this.leaseMs,
        startedAt: this.startedAt,
        lastSeenAt: now,
      })
    } catch (error) {
      this.deps.logger.warn('could not record that this worker is alive', { error: String(error) })
    }
  }

  /**
   * A worker whose process is gone from this machine (same boot and pid namespace, so its
   * pid means something here) is dead: its running executions are made due at once rather
   * than after its leases run out. Fenced as always: the takeover is a new claim with a new
   * token. Across machines the lease stays the rule.
   */
  private async takeOverDeadNeighbours(): Promise<void> {
    if (!this.running) return
    const now = this.deps.clock.now()
    const workers = await this.deps.store.listWorkers(now)
    for (const worker of workers) {
      if (worker.id === this.id || worker.scope !== this.process.scope || processExists(worker.pid)) continue
      const expired = await this.deps.store.expireLeasesOf(worker.id, now)
      this.deps.logger.warn('a worker on this machine died; taking over its executions now', {
        dead: worker.id,
        pid: worker.pid,
        executions: expired,
      })
      if (expired > 0) this.poke()
    }
  }

  private async claimLoop(): Promise<void> {
    // While the database is unreachable: one log line, then retries backing off to 2 s.
    let failures = 0
    while (this.running) {
      let full = false
      try {
        const free = this.concurrency - this.busySlots
        const claimed = await this.claimOnce()
        if (failures > 0) this.deps.logger.info('claiming again: the database answers', { failures })
        failures = 0
        // Only a full batch suggests more is due now; otherwise another claim at once would
        // be a round trip competing with the commits of the runs just started.
        full = claimed > 0 && claimed === free
      } catch (error) {
        if (failures === 0) this.deps.logger.error('claim failed; retrying', { error: String(error) })
        failures++
        await this.pause(Math.min(2_000, this.pollMs * 2 ** Math.min(failures, 10)))
        continue
      }
      if (full && this.busySlots < this.concurrency) continue
      await this.idle()
    }
  }

  private async claimOnce(): Promise<number> {
    // Clear the poke even when full: a poke kept set would make idle() return at once and
    // the claim loop spin on microtasks, starving the runs that would free a slot.
    this.poked = false
    const free = this.concurrency - this.busySlots
    if (free <= 0) return 0
    const expectDue = this.madeDue
    this.madeDue = false
    const started = performance.now()
    const claims = await this.deps.store.claim({
      workerId: this.id,
      limit: free,
      now: this.deps.clock.now(),
      leaseMs: this.leaseMs,
      workflows: this.workflowNames,
      ...(this.versions && { versions: this.versions }),
      ...(expectDue && { expectDue }),
    })
    this.deps.metrics?.claim((performance.now() - started) / 1000, claims.length)
    for (const claim of claims) this.launch(claim)
    return claims.length
  }

  private launch(claim: Claim): void {
    const definition = this.deps.workflows.get(claim.execution.workflow)
    if (!definition) return
    // A row this worker still runs under an older lease was taken over: the old run stops.
    this.active.get(claim.execution.id)?.halt('lease_lost')
    if (claim.execution.takeovers > 0) {
      this.deps.logger.warn('took over an execution whose worker died or hung', {
        execution: claim.execution.id,
        workflow: claim.execution.workflow,
        attempt: claim.execution.attempt,
        takeovers: claim.execution.takeovers,
        step: claim.execution.currentStep,
      })
    }
    const run = new ExecutionRun(claim, definition, {
      clock: this.deps.clock,
      random: this.deps.random,
      commit: (write) => this.committer.write(write),
      logger: this.deps.logger,
      maxResultBytes: this.maxResultBytes,
      maxTakeovers: this.maxTakeovers,
      finishGraceMs: this.graceMs,
      metrics: this.deps.metrics,
      prepareChild: this.deps.prepareChild,
      haltClosed: (ids) => ids.forEach((id) => this.halt(id, 'cancelled')),
    })
    this.active.set(run.id, run)
    run.done
      .then(
        (reason) => {
          if (reason === 'store_error') this.storeFailed(run, run.storeError)
        },
        (error: unknown) => this.storeFailed(run, error),
      )
      .finally(() => {
        this.settledRuns++
        // Full until now: a claim may have gone without, so the free slot is worth a look.
        const wasFull = this.busySlots >= this.concurrency
        if (this.active.get(run.id) === run) this.active.delete(run.id)
        this.deps.onSettled(run.id, run.finished)
        // Look again unless the run ended the execution on its own and freed nothing but
        // its slot: a release (a retry's backoff), a suspension (a timer, a wait's
        // deadline), a parent woken or a queue's slot freed all change what is due next.
        if (wasFull || !endedAlone(run.finished)) this.lookNow()
      })
  }

  /**
   * A commit of `run` failed (or its last one threw): stop it, and take it up again as soon
   * as the database answers when that was the trouble. Any other store error (a full disk,
   * a bug) would likely fail again at once: that run waits for its lease to expire, and the
   * claim that follows is the retry.
   */
  private storeFailed(run: ExecutionRun, error: unknown): void {
    run.halt('store_error')
    const unreachable = databaseUnavailable(error) !== undefined
    this.deps.logger.error(
      unreachable
        ? 'run stopped by a store error; resuming it once the database answers'
        : 'run stopped by a store error; it resumes when its lease expires',
      { execution: run.id, error: String(error) },
    )
    if (unreachable) this.resumeLater({ executionId: run.id, token: run.token })
  }

  /**
   * A run stopped by a store error (the database went away mid-commit) still holds its
   * lease. Rather than leave the execution until that expires, pick it up again as soon as
   * the database answers, under the same lease, replaying what was committed: a commit that
   * may or may not have landed is settled by the replay, and the step in flight may run
   * again, as after a crash. Its slot stays taken meanwhile. Gives up when the lease is no
   * longer this worker's, or has run out (then any worker's claim takes it over).
   */
  private resumeLater(lease: Lease): void {
    this.reserved++
    const resumed = this.resume(lease).then((launched) => {
      if (!launched) this.returnSlot()
    })
    this.resuming.add(resumed)
    void resumed.finally(() => this.resuming.delete(resumed))
  }

  /** Tries `resumeLater`'s lease until it is launched again (true) or given up (false). */
  private async resume(lease: Lease): Promise<boolean> {
    for (let delayMs = 100; this.running; delayMs = Math.min(delayMs * 2, 2_000)) {
      await this.pause(delayMs)
      if (!this.running) return false
      try {
        const execution = await this.deps.store.getExecution(lease.executionId)
        const stillOurs =
          execution?.status === 'running' &&
          execution.leaseOwner === this.id &&
          execution.leaseToken === lease.token &&
          (execution.leaseExpiresAt ?? 0) > this.deps.clock.now()
        if (!execution || !stillOurs) return false
        const steps = await this.deps.store.getSteps(lease.executionId)
        if (!this.running) return false
        this.returnSlot() // the run takes the slot over
        this.launch({ execution, steps })
        this.deps.logger.info('run resumed after a store error', { execution: lease.executionId })
        return true
      } catch {
        // Still unreachable: try again after a longer pause.
      }
    }
    return false
  }

  /** Waits `ms`, or less when the worker stops meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        timer.clear()
        this.stopController.signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setLongTimeout(done, ms)
      this.stopController.signal.addEventListener('abort', done)
    })
  }

  /** Sleeps until poked, the poll interval passes, or the next due time, whichever is first. */
  private async idle(): Promise<void> {
    // Always give the event loop a turn: a store that answers synchronously (SQLite) would
    // otherwise let this loop run on microtasks alone and starve timers, I/O and the
    // batches that free the slots it is waiting for.
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (this.poked || !this.running) return
    let delay = this.pollMs
    if (this.busySlots < this.concurrency) {
      const next = await this.deps.store.nextDueAt(this.workflowNames).catch(() => null)
      if (next !== null) delay = Math.max(0, Math.min(delay, next - this.deps.clock.now()))
    }
    if (this.poked || delay === 0) return
    await new Promise<void>((resolve) => {
      // A `pollMs` of weeks is honoured, not turned into a 1 ms spin (see src/timers.ts).
      const timer = setLongTimeout(resolve, delay)
      this.wake = () => {
        timer.clear()
        resolve()
      }
    })
    this.wake = null
  }

  /**
   * Renews the leases of the runs held now, and stops those whose lease is gone. The store
   * answers with execution ids only: they are matched to the runs asked about (id and
   * token), never looked up again by id, because while the answer was on its way this
   * worker may have claimed the same execution again under a new lease, and that run is
   * healthy.
   */
  private async heartbeat(): Promise<void> {
    const runs = [...this.active.values()]
    if (runs.length === 0) return
    try {
      const leases = runs.map((run) => ({ executionId: run.id, token: run.token }))
      const lost = new Set(await this.deps.store.heartbeat(leases, this.deps.clock.now(), this.leaseMs))
      await Promise.all(
        runs
          .filter((run) => lost.has(run.id))
          .map(async (run) => {
            const reason = await this.whyLost(run.id)
            this.deps.logger.warn(`lease lost (${reason.replace('_', ' ')}); stopping the run`, {
              execution: run.id,
            })
            run.halt(reason)
          }),
      )
    } catch (error) {
      this.deps.logger.error('heartbeat failed', { error: String(error) })
    }
  }

  /**
   * Why a lease was lost, so the run's AbortSignal says so: the execution was cancelled or
   * timed out (by another process), or else another worker took it over.
   */
  private async whyLost(executionId: string): Promise<HaltReason> {
    const execution = await this.deps.store.getExecution(executionId).catch(() => undefined)
    return execution?.status === 'cancelled' || execution?.status === 'timed_out' ? execution.status : 'lease_lost'
  }
}

/**
 * Whether a run's finishing row changed nothing another claim could find: the execution
 * ended, and it had neither a parent (woken by the end) nor a queue (whose slot it held).
 */
function endedAlone(finished: ExecutionRecord | null): boolean {
  return finished !== null && isTerminal(finished.status) && finished.parentId === null && finished.queue === null
}
