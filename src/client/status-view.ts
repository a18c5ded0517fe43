import { isoTime } from '../duration.ts'
import { scheduleOfExecution } from './schedule-view.ts'
import {
  isTerminal,
  type ExecutionRecord,
  type ExecutionStatus,
  type StepKind,
  type StepRecord,
} from '../storage/store.ts'

/**
 * One thing a suspended execution waits for. An execution whose parallel branches are all
 * blocked waits for several at once; any of them resumes it.
 */
export interface WaitingFor {
  /**
   * `event`: an event delivery; `sleep`: a durable timer; `retry`: a step's next attempt;
   * `child`: the end of a child execution.
   */
  kind: 'event' | 'sleep' | 'retry' | 'child'
  /** For `event`: the event name to deliver. */
  event?: string
  /** For `child`: the child execution's id. */
  child?: string
  /** The key of the wait, sleep or step in the execution's history. */
  step: string
  /** ISO time it ends on its own (event timeout, end of sleep, retry time), or null for never. */
  deadline: string | null
  /** For `event`: JSON Schema of the payload, when the workflow declared one. */
  schema?: unknown
}

/** A child execution as its parent's status lists it. */
export interface ChildView {
  id: string
  workflow: string
  status: ExecutionStatus
}

export interface StepView {
  name: string
  kind: StepKind
  status: StepRecord['status']
  attempts: number
  started_at: string
  finished_at: string | null
  /** Why it failed or is retrying; `error.history` lists every failed attempt. */
  error?: unknown
  /** For a step that completed after failed attempts: each failed attempt's error. */
  errors?: unknown[]
}

/**
 * The status of an execution as every door shows it (`zart status`, the MCP `status`
 * tool, `GET /api/v1/executions/:id`): the same snake_case fields everywhere.
 */
export interface ExecutionView {
  id: string
  workflow: string
  status: ExecutionStatus
  step: string | null
  /** What it waits for when `waiting` (or `pending` on retry delays); null otherwise. */
  waiting_for: WaitingFor[] | null
  attempt: number
  /** The workflow version the execution started under. */
  version?: string
  /** Set by `zart pause`: not claimed until resumed. */
  paused?: true
  /** The execution this one was forked from by `zart rerun`. */
  rerun_of?: string
  /** The cron schedule and tick that started it (read from its id, `cron:NAME:TICK`). */
  schedule?: { name: string; tick_at: string }
  /** The execution that started this one as a child (`ctx.child`). */
  parent_id?: string
  /** Started detached: cancelling the parent leaves it running. */
  detached?: true
  /** The child executions it started (in `status`, and `cancel` when it took some along; oldest first, at most 100). */
  children?: ChildView[]
  /** The data the execution was scheduled with (in `status`; lists leave it out). */
  input?: unknown
  /** Why an unfinished execution does not move, when that is a fact (no worker runs its workflow). */
  hint?: string
  /** Its queue (docs/queues.md): name, concurrency key and priority. */
  queue?: { name: string; concurrency_key?: string; priority: number }
  /**
   * In `status`: why a due, queued execution is not running yet, e.g. `queued behind 3 on
   * key user-42 (...)` or `rate limited until 2026-01-01T10:00:00.000Z (...)`.
   */
  queue_reason?: string
  /** The latest progress the workflow reported (`ctx.progress`). */
  progress?: { fraction?: number; message?: string; data?: Record<string, unknown>; updated_at: string }
  created_at: string
  updated_at: string
  /** When a pending execution will next run (a scheduled start or a retry delay). */
  run_at?: string
  /** The workflow deadline, when it has a timeout. */
  deadline?: string
  idempotency_key?: string
  output?: unknown
  error?: unknown
  steps?: StepView[]
}

const iso = isoTime

export function toExecutionView(
  record: ExecutionRecord,
  options: { steps?: StepRecord[]; eventSchema?: (event: string) => unknown } = {},
): ExecutionView {
  const view: ExecutionView = {
    id: record.id,
    workflow: record.workflow,
    status: record.status,
    step: record.currentStep,
    waiting_for: null,
    attempt: record.attempt,
    created_at: iso(record.createdAt),
    updated_at: iso(record.updatedAt),
  }
  if ((record.status === 'waiting' || record.status === 'pending') && record.waits !== null) {
    view.waiting_for = record.waits.map((wait) => {
      const item: WaitingFor = {
        kind: wait.kind,
        step: wait.key,
        deadline: wait.until === null ? null : iso(wait.until),
      }
      if (wait.kind === 'child' && wait.child !== undefined) item.child = wait.child
      if (wait.kind === 'event' && wait.event !== undefined) {
        item.event = wait.event
        // The loaded workflow's schema is the one a delivery is checked against; without it
        // (a command that loads no workflow code, like `zart status`), the one stored with the wait.
        const schema = options.eventSchema?.(wait.event) ?? wait.schema
        if (schema !== undefined) item.schema = schema
      }
      return item
    })
  }
  if (record.version !== null) view.version = record.version
  if (record.paused) view.paused = true
  if (record.rerunOf !== null) view.rerun_of = record.rerunOf
  const schedule = scheduleOfExecution(record.id)
  if (schedule) view.schedule = schedule
  if (record.parentId !== null) view.parent_id = record.parentId
  if (record.detached) view.detached = true
  if (record.queue !== null) {
    view.queue = {
      name: record.queue,
      ...(record.concurrencyKey !== null && { concurrency_key: record.concurrencyKey }),
      priority: record.priority,
    }
  }
  if (record.progress !== null) {
    const { at, ...reported } = record.progress
    view.progress = { ...reported, updated_at: iso(at) }
  }
  if (record.status === 'pending' && record.dueAt !== null) view.run_at = iso(record.dueAt)
  if (record.deadlineAt !== null) view.deadline = iso(record.deadlineAt)
  if (record.idempotencyKey !== null) view.idempotency_key = record.idempotencyKey
  if (record.status === 'completed') view.output = record.outputJson === null ? null : JSON.parse(record.outputJson)
  if (record.errorJson !== null && (isTerminal(record.status) || record.status === 'pending')) {
    view.error = JSON.parse(record.errorJson)
  }
  if (options.steps) {
    view.steps = options.steps.map((s) => {
      const step: StepView = {
        name: s.key,
        kind: s.kind,
        status: s.status,
        attempts: s.attempts,
        started_at: iso(s.startedAt),
        finished_at: s.finishedAt === null ? null : iso(s.finishedAt),
      }
      if (s.errorJson !== null) {
        const error = JSON.parse(s.errorJson) as { history?: unknown[] }
        // A completed step keeps only the errors of the attempts that failed before it.
        if (s.status === 'completed') step.errors = error.history ?? []
        else step.error = error
      }
      return step
    })
  }
  return view
}
