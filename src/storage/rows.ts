import type { ExecutionRecord, ExecutionStatus, StepRecord } from './store.ts'

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
    waitEvent: row.wait_event,
    waitUntil: row.wait_until,
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
    attempts: row.attempts,
    outputJson: row.output_json,
    errorJson: row.error_json,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    wakeAt: row.wake_at,
  }
}
