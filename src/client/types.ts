import type { Clock } from '../clock.ts'
import type { Duration } from '../duration.ts'
import type { Logger } from '../engine/logger.ts'
import type { EngineMetrics } from '../engine/telemetry.ts'
import type { WorkflowLike } from '../engine/workflow.ts'
import type { ExecutionStatus, Store } from '../storage/store.ts'
import type { DedupeOptions } from '../queues.ts'
import type { ExecutionView } from './status-view.ts'

// The options, arguments and results of the client API (src/client/zart.ts).

export interface ZartOptions {
  /** A database URL (`sqlite:PATH`, `postgres://…`, `mysql://…`) or a Store; default `$ZART_HOME/zart.db`. */
  db?: string | Store
  /** The workflows this process knows: definitions, TaskHandler instances or classes. */
  workflows?: readonly WorkflowLike[]
  /** Apply pending migrations on open (default true). */
  migrate?: boolean
  clock?: Clock
  random?: () => number
  logger?: Logger
  /** How soon `wait` first re-reads an execution another process may change, in ms (default 100; backs off to 1 s). */
  waitPollMs?: number
  /** Largest JSON of a schedule's data or of an event's data, in bytes (default 1 MiB). */
  maxPayloadBytes?: number
  /**
   * Where this process counts executions, steps, claims and commits (e.g. the Prometheus
   * registry `zart serve` exposes at /metrics). Traces need no option: they go to whatever
   * OpenTelemetry SDK the process registered, and cost next to nothing when none is.
   */
  metrics?: EngineMetrics
  /** How often a running worker looks for due cron ticks, in ms (default 1000). */
  cronPollMs?: number
  /**
   * False for a client that never runs a worker (`startWorker` and `drain` then throw): it
   * opens without loading the engine that runs workflows. The CLI's read-only commands use it.
   */
  worker?: boolean
}

/** Default of `ZartOptions.maxPayloadBytes`: big enough for documents, small enough to keep rows cheap. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024

export interface PruneOptions {
  /** Remove executions that finished (were last updated) longer ago than this. */
  olderThan: Duration
  /** Only these terminal states (default: all four). Non-terminal executions are never pruned. */
  status?: string | readonly string[]
}

export interface PruneResult {
  deleted: number
  /** Executions last updated before this ISO time were eligible. */
  before: string
  statuses: ExecutionStatus[]
}

export interface ScheduleOptions {
  id?: string
  idempotencyKey?: string
  /** Start no earlier than this (a Date, an ISO 8601 time, or ms since the epoch). */
  runAt?: Date | number | string
  /** Start no earlier than this long from now (`'10m'`, `'2h'`, ms); not with `runAt`. */
  delay?: Duration
  /**
   * A W3C `traceparent` the execution's runs join as children (a door passes the one its
   * caller sent). Malformed values are ignored, as the W3C spec asks. Default: the active
   * OpenTelemetry context of the call, if any.
   */
  traceparent?: string
  /** Run under this queue's limits instead of the workflow's (docs/queues.md); it must be defined. */
  queue?: string
  /** The key of the queue's per-key limit, e.g. `user-42`: at most N running per key. */
  concurrencyKey?: string
  /** Order among the due executions of the queue: larger first (default: the workflow's, else 0). */
  priority?: number
  /**
   * Deduplicate: while an execution of this workflow scheduled with the same key has not
   * started, and at most `window` after it was scheduled, return it instead of creating another.
   */
  dedupe?: DedupeOptions
}

/** How much work waits, for metrics and dashboards. */
export interface QueueDepthView {
  /** Executions due now that no worker holds (not paused): the backlog. */
  due: number
  /** How long the oldest of them has been due, in seconds (0 when none is). */
  oldest_due_seconds: number
  /** Executions suspended on an event, a sleep or a timeout. */
  waiting: number
  /**
   * The same counts per workflow, from the same read (the totals are their sums): only
   * workflows with something due or waiting, by name.
   */
  by_workflow: WorkflowDepthView[]
}

/** One workflow's share of a `QueueDepthView`. */
export interface WorkflowDepthView {
  workflow: string
  due: number
  oldest_due_seconds: number
  waiting: number
}

/** A queue's limits as every door shows them; null is no limit. */
export interface QueueView {
  name: string
  concurrency: number | null
  key_concurrency: number | null
  rate_limit: { limit: number; period_ms: number } | null
}

export interface ScheduleResult {
  execution_id: string
  status: ExecutionView['status']
  /** False when an existing execution (same id or idempotency key, same input) was returned. */
  created: boolean
  /** True when a pending execution with the same dedupe key was returned instead. */
  deduplicated?: true
  /** When it starts, if that is later than now (scheduled with `run_at` or `delay`). */
  run_at?: string
}

export interface DeliverResult {
  result: 'delivered' | 'buffered' | 'duplicate'
  status: ExecutionView['status']
  /**
   * When the event was kept for later while the execution waits for other events: the
   * names it waits for (a misspelt name shows here instead of passing for a delivery).
   */
  waiting_for?: string[]
}

export interface ListOptions {
  status?: string
  workflow?: string
  limit?: number
  cursor?: string
}

export interface ListResult {
  executions: ExecutionView[]
  next_cursor: string | null
}

export interface WaitResult extends ExecutionView {
  /** True when the wait ended because its timeout passed, not because the execution finished. */
  timed_out: boolean
}

export interface WorkflowInfo {
  name: string
  description: string | null
  timeout_ms: number | null
  max_retries: number
  input_schema: unknown
  events: Record<string, unknown>
}

/** Options of `Zart.replayCheck`. */
export interface ReplayCheckOptions {
  /** Only executions of this workflow (default: every workflow this process loaded). */
  workflow?: string
  /** At most this many executions are replayed (default 100, at most 1000). */
  limit?: number
}

/** One execution whose history the loaded code does not replay. */
export interface ReplayFinding {
  execution_id: string
  workflow: string
  version: string | null
  status: string
  /** The durable point where history and code part (1 = the first one reached). */
  position?: number
  /** What history recorded there, and what the code asked for (null: nothing). */
  history?: { kind: string; name: string } | null
  code?: { kind: string; name: string } | null
  message: string
}

/** What `replayCheck` found. */
export interface ReplayCheckResult {
  /** Executions replayed against the loaded code. */
  checked: number
  /** Those that do not replay: a deploy of this code would stop them (REPLAY_DIVERGED). */
  diverged: ReplayFinding[]
  /** Unfinished executions of workflows this process has not loaded, not checked. */
  skipped: number
}

/** A live worker, as `zart workers`, MCP `list_workers` and `GET /api/v1/workers` show it. */
export interface WorkerView {
  id: string
  host: string
  pid: number
  /** The workflows it runs. */
  workflows: string[]
  started_at: string
  last_seen_at: string
}
