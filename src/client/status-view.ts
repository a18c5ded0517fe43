import { isTerminal, type ExecutionRecord, type ExecutionStatus, type StepRecord } from '../storage/store.ts'

/** What an execution waits for, when it is `waiting`. */
export interface WaitingFor {
  /** The event name, or null for a durable sleep. */
  event: string | null
  /** ISO time the wait ends (event timeout or end of sleep), or null for no timeout. */
  deadline: string | null
  /** JSON Schema of the event payload, when the workflow declared one. */
  schema?: unknown
}

export interface StepView {
  name: string
  kind: 'step' | 'wait' | 'sleep'
  status: StepRecord['status']
  attempts: number
  started_at: string
  finished_at: string | null
  error?: unknown
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
  waiting_for: WaitingFor | null
  attempt: number
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

const iso = (ms: number): string => new Date(ms).toISOString()

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
  if (record.status === 'waiting') {
    view.waiting_for = {
      event: record.waitEvent,
      deadline: record.waitUntil === null ? null : iso(record.waitUntil),
    }
    const schema = record.waitEvent === null ? undefined : options.eventSchema?.(record.waitEvent)
    if (schema !== undefined) view.waiting_for.schema = schema
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
      if (s.errorJson !== null) step.error = JSON.parse(s.errorJson)
      return step
    })
  }
  return view
}
