import type { QueueDefinition } from '../queues.ts'

/**
 * The Store contract: everything the engine and the client need from a database, and
 * nothing about workflows beyond it. A backend is one class implementing `Store`; the
 * shared contract suite (`runStoreContract` from `zart/testing`) is what proves it.
 *
 * Conventions every adapter keeps:
 * - times are integer milliseconds since the epoch, passed in by the caller (the store
 *   never reads a clock, so tests can fake time);
 * - JSON values travel as text (`*Json` fields) and are stored verbatim;
 * - every write made on behalf of a running execution is fenced: it carries the lease
 *   token the claim returned and has no effect unless the row is still `running` under
 *   that token.
 */

import type { ScheduleAdvance, ScheduleRecord } from './schedules.ts'

export type { CatchUpPolicy, OverlapPolicy, ScheduleAdvance, ScheduleRecord } from './schedules.ts'

/** The states of an execution. The last four are terminal and never change again. */
export type ExecutionStatus = 'pending' | 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled' | 'timed_out'

export const TERMINAL_STATUSES: readonly ExecutionStatus[] = ['completed', 'failed', 'cancelled', 'timed_out']

export function isTerminal(status: ExecutionStatus): boolean {
  return TERMINAL_STATUSES.includes(status)
}

/** One execution as stored. */
export interface ExecutionRecord {
  id: string
  workflow: string
  status: ExecutionStatus
  inputJson: string
  outputJson: string | null
  errorJson: string | null
  idempotencyKey: string | null
  /** The last step reached (completed, failed, or waited on). */
  currentStep: string | null
  /**
   * What a suspended execution waits for (`waiting`, or `pending` on a retry delay): every
   * branch's event wait, sleep and retry delay; any of them resumes it. Null otherwise.
   */
  waits: WaitEntry[] | null
  /** The earliest end among `waits` (an event timeout, a sleep, a retry delay). */
  waitUntil: number | null
  /** Paused by `zart pause`: not claimed until resumed. */
  paused: boolean
  /** The execution this one was forked from by `zart rerun`, if any. */
  rerunOf: string | null
  /** The execution that started this one with `ctx.child` / `ctx.startChild`, if any. */
  parentId: string | null
  /** The key of the child call in the parent's history (where the parent awaits this one's end). */
  parentKey: string | null
  /** Started with `detached: true`: cancelling the parent leaves it running. */
  detached: boolean
  /** The latest progress the workflow reported (`ctx.progress`), or null. */
  progress: Progress | null
  /** The queue whose limits it runs under (docs/queues.md), or null. */
  queue: string | null
  /** Its key for the queue's per-key limit (`user-42`), or null. */
  concurrencyKey: string | null
  /** Larger is claimed first among the due executions of its queue (default 0). */
  priority: number
  /** Its dedupe key while it holds it (not started, window open), or null. */
  dedupeKey: string | null
  /** The workflow's version the execution was started under (declared, or derived from its code). */
  version: string | null
  /** The W3C traceparent of the call that scheduled it, which every run's span is a child of. */
  traceParent: string | null
  /**
   * Claims in a row that took over a lease that had run out (the worker died or hung)
   * with no durable progress since: a step that kills its worker shows here.
   */
  takeovers: number
  /** Workflow deadline fixed when the execution was created. */
  deadlineAt: number | null
  /** Number of times the execution was claimed by a worker. */
  attempt: number
  /** Number of whole-run retries used after errors outside steps. */
  workflowRetries: number
  leaseOwner: string | null
  leaseToken: number
  leaseExpiresAt: number | null
  /** When the row next needs a worker: run time, wake time, lease expiry or deadline. */
  dueAt: number | null
  createdAt: number
  updatedAt: number
}

/** What a workflow reports of how far it got (`ctx.progress`). */
export interface Progress {
  /** 0 to 1. */
  fraction?: number
  message?: string
  /** A small JSON object of the workflow's own. */
  data?: Record<string, unknown>
  /** When it was reported (ms since the epoch). */
  at: number
}

/** One thing a suspended execution waits for. */
export interface WaitEntry {
  kind: 'event' | 'sleep' | 'retry' | 'child'
  /** The durable point's key (a wait's, a sleep's, a child call's, or the retrying step's). */
  key: string
  /** For `event`: the event name. */
  event?: string
  /** For `child`: the id of the child execution whose end is awaited. */
  child?: string
  /** When it ends on its own (timeout, end of sleep, retry time); null for no timeout. */
  until: number | null
  /**
   * For `event`: JSON Schema of the payload the workflow declared, stored with the wait so
   * that reading a status needs no workflow code. Absent on waits stored before it was kept.
   */
  schema?: unknown
}

/** The stored state of one step (or wait, or sleep) of an execution. */
export type StepStatus = 'completed' | 'failed' | 'retrying' | 'waiting'

/**
 * What kind of durable point a step record is. `patch` marks a `ctx.patched()` taken;
 * `child` a child execution started (`ctx.child`), answered when the child ends.
 */
export type StepKind = 'step' | 'wait' | 'sleep' | 'patch' | 'child'

export interface StepRecord {
  /** Unique within the execution: the step name, with `#2`, `#3`... for repeats. */
  key: string
  name: string
  kind: StepKind
  /**
   * Order in which the workflow reached this durable point in its run (1, 2, ...); a
   * replay that reaches a different kind or name at a recorded position has diverged.
   * Null for points recorded before positions existed.
   */
  position: number | null
  /**
   * Order in which this point's result was handed to the workflow (larger = later). A
   * replay hands stored results back in this order, so values are the same under any
   * interleaving of parallel branches. Null while unresolved (and for old records).
   */
  resolvedSeq: number | null
  status: StepStatus
  attempts: number
  outputJson: string | null
  errorJson: string | null
  startedAt: number
  finishedAt: number | null
  /** For waits and sleeps: when the wait ends. */
  wakeAt: number | null
}

export interface NewExecution {
  id: string
  workflow: string
  inputJson: string
  idempotencyKey: string | null
  deadlineAt: number | null
  runAt: number
  now: number
  /** The workflow's version (see `ExecutionRecord.version`). */
  version: string | null
  /**
   * Optional: create the row already claimed by this worker (status `running`, lease
   * token 1, attempt 1), saving a claim transaction when the scheduling process will run
   * the execution itself. Only asked for when `runAt <= now`. A store may ignore it and
   * create a `pending` row; the caller checks the returned status.
   */
  claim?: { workerId: string; leaseMs: number }
  /** The W3C traceparent of the scheduling call, kept for the runs' spans (default null). */
  traceParent?: string | null
  /** Flow control (docs/queues.md); absent: no queue. A queued execution is never created claimed. */
  queue?: string | null
  concurrencyKey?: string | null
  priority?: number
  /**
   * While an execution of the same workflow with this key has not started and its `until`
   * has not passed, that one is returned (`matchedBy: 'dedupe'`) and nothing is created.
   */
  dedupe?: { key: string; until: number } | null
}

/**
 * How much work waits, for metrics: read at scrape time through the due-time and status
 * indexes (each due or waiting row is read once, for its workflow), never per step.
 */
export interface QueueDepth {
  /** Executions due now (run time, wake time or lease expiry passed) that no worker holds, not paused. */
  due: number
  /** The earliest due time among them (ms since the epoch), or null when none is due. */
  oldestDueAt: number | null
  /** Executions suspended on an event, a sleep or a timeout (status `waiting`). */
  waiting: number
  /**
   * The same counts per workflow, from the same read (the totals are their sums): only
   * workflows with something due or waiting, in workflow name order.
   */
  byWorkflow: WorkflowDepth[]
}

/** One workflow's share of a `QueueDepth`. A row both waiting and due (a sleep that ended) counts in both. */
export interface WorkflowDepth {
  workflow: string
  due: number
  oldestDueAt: number | null
  waiting: number
}

/** A child execution as its parent's commit creates it (pending, due at once). */
export interface ChildStart {
  id: string
  workflow: string
  inputJson: string
  version: string | null
  deadlineAt: number | null
  /** The key of the child call in the parent's history. */
  parentKey: string
  detached: boolean
  /** The queue the child workflow declares, whose limits its claim keeps (null: none). */
  queue?: string | null
  /** Its priority within that queue (0 without one). */
  priority?: number
}

/** Result of `createExecution`: an existing row is returned as is, never overwritten. */
export type CreateResult =
  | { outcome: 'created'; execution: ExecutionRecord }
  | { outcome: 'existing'; execution: ExecutionRecord; matchedBy: 'id' | 'idempotency_key' | 'dedupe' }

export interface ListFilter {
  status?: ExecutionStatus | undefined
  workflow?: string | undefined
  limit: number
  /** Opaque cursor returned by a previous page. */
  cursor?: string | undefined
}

export interface ListPage {
  executions: ExecutionRecord[]
  nextCursor: string | null
}

export interface NewEvent {
  executionId: string
  name: string
  eventId: string | null
  payloadJson: string
  now: number
}

export type DeliverResult =
  | { outcome: 'delivered' | 'buffered' | 'duplicate'; execution: ExecutionRecord }
  | { outcome: 'not_found' }
  | { outcome: 'terminal'; execution: ExecutionRecord }

/** Result of `retryExecution` and `setPaused`: the row after the change, or why nothing changed. */
export type RepairResult =
  | { outcome: 'changed'; execution: ExecutionRecord }
  | { outcome: 'not_found' }
  | { outcome: 'refused'; execution: ExecutionRecord }

export type CancelResult =
  /** `cascaded`: the ids of the running children (and theirs) cancelled with it. */
  | { outcome: 'cancelled'; execution: ExecutionRecord; cascaded: string[] }
  | { outcome: 'not_found' }
  | { outcome: 'terminal'; execution: ExecutionRecord }

/** A row handed to a worker by `claim`, with the steps recorded so far. */
export interface Claim {
  execution: ExecutionRecord
  steps: StepRecord[]
}

/** Identifies one claim of one execution; fenced writes carry it. */
export interface Lease {
  executionId: string
  token: number
}

/**
 * A fenced write made for a running execution. The engine batches the writes of many
 * executions into one `commit` call (group commit); each write applies only while its
 * lease still holds, independently of the others. `decideCommit` in `commit-plan.ts` is
 * the one place that says what each write does; stores only lock, read and apply.
 */
export type FencedWrite =
  | {
      /**
       * Record a durable point's state: a step's outcome (completed, failed for good, or
       * `retrying` until `wakeAt`), a sleep begun (`waiting`) or ended, a patch marker.
       * The execution stays running.
       */
      kind: 'step'
      lease: Lease
      step: StepRecord
      now: number
    }
  | {
      /**
       * Reach (or look again at) `ctx.waitForEvent`: consume the oldest unconsumed event
       * of that name if one is in the inbox (the wait completes with its payload); else,
       * if `step.wakeAt` has passed, record the timeout (`failed`); else record it
       * `waiting`. The execution stays running either way.
       */
      kind: 'wait'
      lease: Lease
      step: StepRecord
      event: string
      now: number
    }
  | {
      /**
       * Every branch of the run is blocked: hand the execution back until any of `waits`
       * resumes it (an event, or the earliest `until`). When an event one of them awaits
       * is already in the inbox, nothing changes and the answer says so (`events_ready`).
       */
      kind: 'suspend'
      lease: Lease
      /** `pending` when only retry delays block the run, else `waiting`. */
      status: 'waiting' | 'pending'
      waits: WaitEntry[]
      now: number
    }
  | {
      /**
       * Start a child execution and record the parent's child point (`step`, status
       * `waiting`) in one transaction, so a crash can never leave a child without its
       * record or the reverse. An existing row with the child's id is left as it is: the
       * outcome says whether it is this parent's child of the same key (`existing`) or
       * not (`conflict`, nothing written).
       */
      kind: 'child'
      lease: Lease
      step: StepRecord
      start: ChildStart
      now: number
    }
  | {
      /** Record the latest progress; the execution stays running. */
      kind: 'progress'
      lease: Lease
      progress: Progress
      now: number
    }
  | {
      /** Finish the execution in a terminal state. */
      kind: 'finish'
      lease: Lease
      status: 'completed' | 'failed' | 'timed_out'
      outputJson: string | null
      errorJson: string | null
      now: number
      /**
       * The execution's parent, when it is a child: its row is locked with the batch so
       * the child's end goes into the parent's inbox (and wakes it) in the same commit.
       */
      parentId?: string | null
    }
  | {
      /**
       * Give the execution back as `pending` at `runAt`, or at its deadline if that comes
       * first (a whole-workflow retry, shutdown, or a replay that diverged).
       */
      kind: 'release'
      lease: Lease
      runAt: number
      errorJson: string | null
      countRetry: boolean
      now: number
    }

export type WriteOutcome =
  | { ok: true; kind: 'step' | 'release' | 'progress' }
  /** `execution`: the finished row; `closed`: the ids of the children (and theirs) its end cancelled. */
  | { ok: true; kind: 'finish'; execution?: ExecutionRecord; closed?: string[] }
  | { ok: true; kind: 'wait'; result: 'consumed'; payloadJson: string; finishedAt: number }
  | { ok: true; kind: 'wait'; result: 'timed_out' | 'waiting' }
  | { ok: true; kind: 'suspend'; result: 'suspended' }
  | { ok: true; kind: 'child'; result: 'started' | 'existing' }
  /** The child's id is taken by an execution that is not this call's child: nothing written. */
  | { ok: true; kind: 'child'; result: 'conflict'; existing: ExecutionRecord }
  /** Events some waits await are in the inbox (their names, oldest event first): not suspended. */
  | { ok: true; kind: 'suspend'; result: 'events_ready'; events: string[] }
  /** The lease no longer holds: the execution was cancelled, timed out or taken over. */
  | { ok: false; reason: 'lease_lost' }
  /**
   * The write was recorded, but the execution was paused meanwhile: it is handed back
   * (pending, not claimed until resumed) and the run must stop here.
   */
  | { ok: false; reason: 'paused' }

/**
 * Where a queued execution stands in its queue (see `Store.queueStanding`): the counts
 * `status` turns into "queued behind 3 on key user-42" or "rate limited until ...".
 */
export interface QueueStanding {
  /** The queue's stored limits; undefined when it has none stored. */
  definition: QueueDefinition | undefined
  /** Executions of the queue running now. */
  running: number
  /** Executions of the queue with its concurrency key running now (0 without a key). */
  keyRunning: number
  /** Due executions of the queue that are claimed before it (higher priority, or due earlier). */
  aheadInQueue: number
  /** Of those, the ones with its concurrency key. */
  aheadOnKey: number
  /** First starts in the rate period ending now, and the earliest of them. */
  starts: number
  oldestStart: number | null
}

/** A worker process as it reports itself (see `Store.recordWorker`). */
export interface WorkerRecord {
  id: string
  host: string
  pid: number
  /** Processes with the same scope see each other's pids (same machine boot, same pid namespace). */
  scope: string
  /** The workflows it runs. */
  workflows: string[]
  /** Its lease period: it reports itself at least once in each. */
  leaseMs: number
  startedAt: number
  lastSeenAt: number
}

export interface ClaimOptions {
  workerId: string
  limit: number
  now: number
  leaseMs: number
  /** Only executions of these workflows: a worker claims only what it can run. */
  workflows: string[]
  /**
   * Optional version pinning: only executions started under one of these
   * `workflow@version` pairs (or under no recorded version). Omitted: any version.
   */
  versions?: string[]
  /**
   * A wake-up has just said that work became due: a store whose claim first takes a cheap
   * look for due rows (to keep idle polls light) may skip the look and claim at once.
   * Only a hint: the claim's answer is the same either way.
   */
  expectDue?: boolean
}

/**
 * An MCP task: an execution seen through MCP. The row holds only what maps the task to its
 * execution; the task's state is the execution's (see `src/mcp/task-store.ts`).
 */
export interface TaskRecord {
  /** Unguessable: knowing an execution id must not reveal its task. */
  id: string
  executionId: string
  /** Who may see it: a digest of the bearer token it was created under, or '' for none. */
  owner: string
  /** How long the task is kept after it finishes, in ms; null while its execution is kept. */
  ttlMs: number | null
  createdAt: number
}

export interface TaskFilter {
  owner: string
  limit: number
  /** Opaque cursor returned by a previous page. */
  cursor?: string | undefined
}

export interface TaskPage {
  tasks: TaskRecord[]
  nextCursor: string | null
}

/** Which executions `pruneExecutions` removes. */
export interface PruneFilter {
  /** Executions last updated before this time (ms since the epoch). */
  before: number
  /** Only these states; an adapter must also ignore any non-terminal state given here. */
  statuses: readonly ExecutionStatus[]
  /** At most this many executions per call, so one call never holds the database long. */
  limit: number
}

export interface MigrationResult {
  applied: string[]
  current: string | null
}

/** What `migrationStatus()` finds: how the database's schema stands against this code. */
export interface MigrationStatus {
  /** The latest migration the database has applied, or null when it has none. */
  current: string | null
  /** Migrations this code ships that the database lacks, in the order they would apply. */
  pending: string[]
  /** Migrations the database has that this code does not know: a newer zart migrated it. */
  unknown: string[]
}

/**
 * The database behind zart. Implement this to add a backend; run the exported contract
 * suite against it to prove it.
 */
export interface Store {
  /** A short name for messages: `sqlite`, `postgres`, `mysql`. */
  readonly dialect: string

  /** Applies pending migrations, under a lock; refuses a schema newer than the code. */
  migrate(): Promise<MigrationResult>
  /**
   * Reports where the schema stands, changing nothing: no lock, no table created. A
   * database never migrated has every migration pending; a newer schema is reported in
   * `unknown`, not refused.
   */
  migrationStatus(): Promise<MigrationStatus>
  close(): Promise<void>

  createExecution(input: NewExecution): Promise<CreateResult>
  /**
   * Optional: several `createExecution`s in one transaction, one result per input in
   * order, as if applied one after another. The client batches concurrent schedule calls
   * through it when present, so they share one commit.
   */
  createExecutions?(inputs: NewExecution[]): Promise<CreateResult[]>
  getExecution(id: string): Promise<ExecutionRecord | undefined>
  getSteps(id: string): Promise<StepRecord[]>
  listExecutions(filter: ListFilter): Promise<ListPage>
  deliverEvent(event: NewEvent): Promise<DeliverResult>
  /**
   * Optional: several `deliverEvent`s in one transaction, one result per event in order,
   * as if applied one after another. The client batches concurrent deliveries through it.
   */
  deliverEvents?(events: NewEvent[]): Promise<DeliverResult[]>
  /**
   * Cancels an unfinished execution and, in the same transaction, its unfinished children
   * not started `detached` (and theirs, down the tree). When the execution is itself a
   * child, its end goes into its parent's inbox and wakes the parent if it awaits it.
   */
  cancelExecution(id: string, now: number, errorJson: string): Promise<CancelResult>
  /** The children an execution started (`ctx.child`), oldest first, at most `limit`. */
  listChildren(parentId: string, limit: number): Promise<ExecutionRecord[]>
  /**
   * Runs a failed, timed-out or cancelled execution again from where it stopped: its
   * completed steps are kept, its failed steps and timed-out waits are removed so they run
   * again, and it becomes pending now with `deadlineAt` as its deadline. Any other state
   * is `refused`.
   */
  retryExecution(id: string, now: number, deadlineAt: number | null): Promise<RepairResult>
  /**
   * Creates `input` as a fork of execution `from`: with `rerunOf` set to it, and a copy of
   * `from`'s recorded steps before durable point `beforePosition`, all in one transaction
   * (no worker may claim it half made). An existing id is returned as `existing`.
   */
  forkExecution(input: NewExecution, from: string, beforePosition: number): Promise<CreateResult>
  /** Pauses or resumes an unfinished execution (a paused one is not claimed); a finished one is `refused`. */
  setPaused(id: string, paused: boolean, now: number): Promise<RepairResult>
  /**
   * Deletes up to `limit` terminal executions matching the filter, with their steps and
   * events, in one transaction; returns how many executions went. Never touches pending,
   * running or waiting rows.
   */
  pruneExecutions(filter: PruneFilter): Promise<number>

  /**
   * Claims up to `limit` executions whose `dueAt` has passed: pending ones whose run time
   * came, waiting ones whose timer or event timeout came (or that an event woke), and
   * running ones whose lease expired or whose deadline passed. Each claimed row becomes
   * `running` under a new lease token, with `attempt` incremented. Executions in a queue
   * are claimed only within its limits (`admitQueued` in queue-plan.ts decides), in order of
   * priority, then due time; a claim that starts one gives up its dedupe key.
   */
  claim(options: ClaimOptions): Promise<Claim[]>
  /**
   * The earliest `dueAt` among executions of these workflows outside queues, to sleep
   * exactly until then (a queued execution may be due yet held back by its limits: workers
   * look at those at their poll, and when a run of theirs ends).
   */
  nextDueAt(workflows: string[]): Promise<number | null>
  /** Due-but-unclaimed and waiting counts at `now`, in total and per workflow, for metrics (one read). */
  queueDepth(now: number): Promise<QueueDepth>
  /** Extends the leases still held; returns the ids of those that were lost. */
  heartbeat(leases: Lease[], now: number, leaseMs: number): Promise<string[]>
  /** Applies fenced writes in one transaction; one outcome per write, in order. */
  commit(writes: FencedWrite[]): Promise<WriteOutcome[]>

  /** Inserts or refreshes a worker's row (by id): it is alive now. Forgets rows silent for ten lease periods. */
  recordWorker(worker: WorkerRecord): Promise<void>
  /** Workers whose last report is not older than their own lease period at `now` (reads only). */
  listWorkers(now: number): Promise<WorkerRecord[]>
  /** A worker that stopped cleanly. */
  removeWorker(id: string): Promise<void>
  /**
   * A worker known to be dead (its process is gone): its running executions become due at
   * once, as if their leases had run out, and its row goes. Returns how many executions.
   */
  expireLeasesOf(workerId: string, now: number): Promise<number>

  /** Creates or replaces a queue's limits: every worker's next claim enforces them. */
  setQueue(definition: QueueDefinition, now: number): Promise<void>
  /** Every stored queue, by name. */
  listQueues(): Promise<QueueDefinition[]>
  /** Where a queued execution stands in its queue at `now`; undefined when it names none. */
  queueStanding(id: string, now: number): Promise<QueueStanding | undefined>

  /** Records an MCP task for an execution. Task ids are unique; a repeated id is an error. */
  createTask(task: TaskRecord): Promise<void>
  /** The task with this id and owner, while its execution exists (pruning it ends the task). */
  getTask(id: string, owner: string): Promise<TaskRecord | undefined>
  /** The owner's tasks whose executions exist, newest first, in pages joined by a cursor. */
  listTasks(filter: TaskFilter): Promise<TaskPage>

  /** Adds a cron schedule unless one of that name exists; answers with the stored row either way. */
  createSchedule(schedule: ScheduleRecord): Promise<{ created: boolean; schedule: ScheduleRecord }>
  /**
   * Replaces the definition of the schedule named `schedule.name` (workflow, cron, time zone,
   * data, policies, source, next tick), keeping whether it is paused and its last tick.
   */
  replaceSchedule(schedule: ScheduleRecord): Promise<void>
  getSchedule(name: string): Promise<ScheduleRecord | undefined>
  /** Every schedule, by name. */
  listSchedules(): Promise<ScheduleRecord[]>
  /** Deletes a schedule; false when there was none. Executions it started are not touched. */
  deleteSchedule(name: string): Promise<boolean>
  /** Pauses or resumes a schedule, setting its next tick; false when there is none. */
  setSchedulePaused(name: string, paused: boolean, nextTickAt: number | null, now: number): Promise<boolean>
  /** Up to `limit` schedules of these workflows, not paused, whose next tick is at or before `now`. */
  dueSchedules(now: number, workflows: string[], limit: number): Promise<ScheduleRecord[]>
  /**
   * The earliest next tick of the schedules of these workflows that are not paused, or null.
   * Optional: without it, ticks fire at the next cron poll (up to a poll interval late)
   * instead of at their time.
   */
  nextScheduleTick?(workflows: string[]): Promise<number | null>
  /**
   * Moves a schedule's next tick from `advance.from` to `advance.to` (recording the tick that
   * started an execution, if any), only while the stored next tick is still `from` and the
   * schedule is not paused: of several workers handling the same tick, one wins (true).
   */
  advanceSchedule(advance: ScheduleAdvance): Promise<boolean>

  /**
   * Optional wake-up channel across processes: calls `onDue` soon after any process makes
   * an execution pending (scheduled, woken by an event, handed back), so a worker looks at
   * once instead of at its next poll. May also call it spuriously. Resolves when listening;
   * the function it returns stops it. PostgreSQL uses LISTEN/NOTIFY, SQLite the file
   * system's change notifications, MySQL a connection asleep in the server that the
   * changing process interrupts (KILL QUERY); a backend without one omits it, and workers
   * rely on their short poll (`pollMs`, default 50 ms).
   */
  subscribe?(onDue: () => void): Promise<() => Promise<void>>
}
