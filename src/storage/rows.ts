import { firstEvent, type NewChild, type NewInboxEvent, type TouchedExecution } from './commit-plan.ts'
import { encodeCursor } from './cursor.ts'
import type { QueueDefinition } from '../queues.ts'
import type {
  ExecutionRecord,
  ExecutionStatus,
  Progress,
  StepRecord,
  TaskPage,
  TaskRecord,
  WaitEntry,
  WorkerRecord,
} from './store.ts'

/**
 * The rows of zart's tables as the SQL adapters read them. The three schemas use the same
 * column names, and every driver is set up to return BIGINT times as numbers (pg through
 * the store's type parser, mysql2 natively, SQLite as integers), so one mapping serves all.
 */

/** A `zart_executions` row. */
export interface ExecutionRow {
  seq: number
  id: string
  workflow: string
  status: string
  input_json: string
  output_json: string | null
  error_json: string | null
  idempotency_key: string | null
  current_step: string | null
  wait_event: string | null
  wait_until: number | null
  waits_json: string | null
  progress_json: string | null
  paused: number
  rerun_of: string | null
  /** Absent before migration 0012 (0017 on PostgreSQL). */
  trace_parent?: string | null
  parent_id: string | null
  parent_key: string | null
  detached: number | boolean | null
  queue?: string | null
  concurrency_key?: string | null
  priority?: number
  dedupe_key?: string | null
  workflow_version: string | null
  takeovers: number
  deadline_at: number | null
  attempt: number
  workflow_retries: number
  lease_owner: string | null
  lease_token: number
  lease_expires_at: number | null
  due_at: number | null
  created_at: number
  updated_at: number
}

/** A `zart_steps` row. */
export interface StepRow {
  execution_id: string
  step_key: string
  name: string
  kind: string
  status: string
  position: number | null
  resolved_seq: number | null
  attempts: number
  output_json: string | null
  error_json: string | null
  started_at: number
  finished_at: number | null
  wake_at: number | null
}

export function toExecution(row: ExecutionRow): ExecutionRecord {
  return {
    id: row.id,
    workflow: row.workflow,
    status: row.status as ExecutionStatus,
    inputJson: row.input_json,
    outputJson: row.output_json,
    errorJson: row.error_json,
    idempotencyKey: row.idempotency_key,
    currentStep: row.current_step,
    waits: row.waits_json === null ? null : (JSON.parse(row.waits_json) as WaitEntry[]),
    waitUntil: row.wait_until,
    progress:
      row.progress_json === null || row.progress_json === undefined
        ? null
        : (JSON.parse(row.progress_json) as Progress),
    version: row.workflow_version,
    paused: Number(row.paused ?? 0) === 1,
    rerunOf: row.rerun_of ?? null,
    traceParent: row.trace_parent ?? null,
    parentId: row.parent_id ?? null,
    parentKey: row.parent_key ?? null,
    detached: Number(row.detached ?? 0) === 1,
    queue: row.queue ?? null,
    concurrencyKey: row.concurrency_key ?? null,
    priority: Number(row.priority ?? 0),
    dedupeKey: row.dedupe_key ?? null,
    takeovers: Number(row.takeovers),
    deadlineAt: row.deadline_at,
    attempt: row.attempt,
    workflowRetries: row.workflow_retries,
    leaseOwner: row.lease_owner,
    leaseToken: row.lease_token,
    leaseExpiresAt: row.lease_expires_at,
    dueAt: row.due_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export function toStep(row: StepRow): StepRecord {
  return {
    key: row.step_key,
    name: row.name,
    kind: row.kind as StepRecord['kind'],
    status: row.status as StepRecord['status'],
    position: row.position === null ? null : Number(row.position),
    resolvedSeq: row.resolved_seq === null ? null : Number(row.resolved_seq),
    attempts: row.attempts,
    outputJson: row.output_json,
    errorJson: row.error_json,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    wakeAt: row.wake_at,
  }
}

/**
 * The columns a commit may change on an execution row, in the order every store's
 * update statement lists them after the id.
 */
export const UPDATED_COLUMNS = [
  'status',
  'current_step',
  'output_json',
  'error_json',
  'wait_event',
  'wait_until',
  'waits_json',
  'workflow_retries',
  'takeovers',
  'progress_json',
  'lease_owner',
  'lease_expires_at',
  'due_at',
  'updated_at',
] as const

/** An execution's changeable columns, keyed as `UPDATED_COLUMNS` names them. */
export function updatedColumns(record: ExecutionRecord): Record<(typeof UPDATED_COLUMNS)[number], unknown> & {
  id: string
} {
  return {
    id: record.id,
    status: record.status,
    current_step: record.currentStep,
    output_json: record.outputJson,
    error_json: record.errorJson,
    wait_event: firstEvent(record.waits),
    wait_until: record.waitUntil,
    waits_json: record.waits === null ? null : JSON.stringify(record.waits),
    workflow_retries: record.workflowRetries,
    takeovers: record.takeovers,
    progress_json: record.progress === null ? null : JSON.stringify(record.progress),
    lease_owner: record.leaseOwner,
    lease_expires_at: record.leaseExpiresAt,
    due_at: record.dueAt,
    updated_at: record.updatedAt,
  }
}

/** The columns of a child execution a commit creates, in the order every store's insert lists them. */
export const CHILD_COLUMNS = [
  'id',
  'workflow',
  'workflow_version',
  'input_json',
  'deadline_at',
  'parent_id',
  'parent_key',
  'detached',
  'created_at',
] as const

/** A new child's columns, keyed by column name (status `pending`, due at its creation). */
export function childColumns(child: NewChild): Record<(typeof CHILD_COLUMNS)[number], unknown> {
  const { start } = child
  return {
    id: start.id,
    workflow: start.workflow,
    workflow_version: start.version,
    input_json: start.inputJson,
    deadline_at: start.deadlineAt,
    parent_id: child.parentId,
    parent_key: start.parentKey,
    detached: start.detached ? 1 : 0,
    created_at: child.now,
  }
}

/** The columns of an event a commit puts into an inbox, in the order every store's insert lists them. */
export const INBOX_EVENT_COLUMNS = ['execution_id', 'name', 'payload_json', 'created_at', 'consumed_by'] as const

/** An inbox event's columns, keyed by column name. */
export function inboxEventColumns(event: NewInboxEvent): Record<(typeof INBOX_EVENT_COLUMNS)[number], unknown> {
  return {
    execution_id: event.executionId,
    name: event.name,
    payload_json: event.payloadJson,
    created_at: event.createdAt,
    consumed_by: event.consumedBy,
  }
}

/** The columns of a step row, in the order `stepColumns` lists them. */
export const STEP_COLUMNS = [
  'execution_id',
  'step_key',
  'name',
  'kind',
  'status',
  'position',
  'resolved_seq',
  'attempts',
  'output_json',
  'error_json',
  'started_at',
  'finished_at',
  'wake_at',
] as const

/** A step's columns, keyed by column name, for a store's upsert. */
export function stepColumns(executionId: string, step: StepRecord): Record<(typeof STEP_COLUMNS)[number], unknown> {
  return {
    execution_id: executionId,
    step_key: step.key,
    name: step.name,
    kind: step.kind,
    status: step.status,
    position: step.position,
    resolved_seq: step.resolvedSeq,
    attempts: step.attempts,
    output_json: step.outputJson,
    error_json: step.errorJson,
    started_at: step.startedAt,
    finished_at: step.finishedAt,
    wake_at: step.wakeAt,
  }
}

/** The columns of a row that stays running, keyed by column name. */
export function touchedColumns(touched: TouchedExecution) {
  return {
    id: touched.id,
    current_step: touched.currentStep,
    takeovers: touched.takeovers,
    progress_json: touched.progress === null ? null : JSON.stringify(touched.progress),
    updated_at: touched.updatedAt,
  }
}

/** A `zart_workers` row. */
export interface WorkerRow {
  id: string
  host: string
  pid: number
  scope: string
  workflows_json: string
  lease_ms: number
  started_at: number
  last_seen_at: number
}

export function toWorker(row: WorkerRow): WorkerRecord {
  return {
    id: row.id,
    host: row.host,
    pid: Number(row.pid),
    scope: row.scope,
    workflows: JSON.parse(row.workflows_json) as string[],
    leaseMs: Number(row.lease_ms),
    startedAt: Number(row.started_at),
    lastSeenAt: Number(row.last_seen_at),
  }
}

/** A worker's columns, in the order every store's upsert lists them. */
export function workerColumns(worker: WorkerRecord): unknown[] {
  return [
    worker.id,
    worker.host,
    worker.pid,
    JSON.stringify(worker.workflows),
    worker.leaseMs,
    worker.startedAt,
    worker.lastSeenAt,
    worker.scope,
  ]
}

/** A `zart_tasks` row. */
export interface TaskRow {
  seq: number
  id: string
  execution_id: string
  owner: string
  ttl_ms: number | null
  created_at: number
}

export function toTask(row: TaskRow): TaskRecord {
  return {
    id: row.id,
    executionId: row.execution_id,
    owner: row.owner,
    ttlMs: row.ttl_ms === null ? null : Number(row.ttl_ms),
    createdAt: Number(row.created_at),
  }
}

/** A task's columns, in the order every store's insert lists them. */
export function taskColumns(task: TaskRecord): unknown[] {
  return [task.id, task.executionId, task.owner, task.ttlMs, task.createdAt]
}

/** A page of tasks from `limit + 1` rows read newest first: the extra row says there are more. */
export function toTaskPage(rows: TaskRow[], limit: number): TaskPage {
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return { tasks: page.map(toTask), nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null }
}

/** A `zart_queues` row. */
export interface QueueRow {
  name: string
  concurrency: number | null
  key_concurrency: number | null
  rate_limit: number | null
  rate_period_ms: number | null
}

export function toQueue(row: QueueRow): QueueDefinition {
  const n = (v: number | null) => (v === null || v === undefined ? null : Number(v))
  return {
    name: row.name,
    concurrency: n(row.concurrency),
    keyConcurrency: n(row.key_concurrency),
    rateLimit: n(row.rate_limit),
    ratePeriodMs: n(row.rate_period_ms),
  }
}

/** The columns of a queue in `zart_queues` order after the name, then the time. */
export function queueColumns(definition: QueueDefinition, now: number): unknown[] {
  return [
    definition.name,
    definition.concurrency,
    definition.keyConcurrency,
    definition.rateLimit,
    definition.ratePeriodMs,
    now,
  ]
}
