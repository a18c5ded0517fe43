import type { ExecutionRecord, NewExecution } from './store.ts'

/** The lease columns a new execution row starts with. */
export type InitialState = Pick<
  ExecutionRecord,
  'status' | 'dueAt' | 'leaseOwner' | 'leaseToken' | 'leaseExpiresAt' | 'attempt'
>

/**
 * A new row is `pending` at its run time, or, when the caller asked to run it itself
 * (`NewExecution.claim`), already `running` under lease token 1, due again at lease expiry
 * like any claimed row. Server stores share this so they create the same rows as SQLite.
 */
export function initialState(input: NewExecution): InitialState {
  const claim = input.claim
  if (!claim)
    return { status: 'pending', dueAt: input.runAt, leaseOwner: null, leaseToken: 0, leaseExpiresAt: null, attempt: 0 }
  const leaseExpiresAt = input.now + claim.leaseMs
  return {
    status: 'running',
    dueAt: leaseExpiresAt,
    leaseOwner: claim.workerId,
    leaseToken: 1,
    leaseExpiresAt,
    attempt: 1,
  }
}

/** The flow-control columns a new row starts with (docs/queues.md). */
export interface FlowState {
  queue: string | null
  concurrencyKey: string | null
  priority: number
  dedupeKey: string | null
  dedupeUntil: number | null
}

/** A row created already claimed has started: it holds no dedupe key. */
export function flowState(input: NewExecution): FlowState {
  const held = input.claim ? null : (input.dedupe ?? null)
  return {
    queue: input.queue ?? null,
    concurrencyKey: input.concurrencyKey ?? null,
    priority: input.priority ?? 0,
    dedupeKey: held?.key ?? null,
    dedupeUntil: held?.until ?? null,
  }
}

/**
 * The columns a new execution row is inserted with, in the order `newRowValues` gives
 * their values (the server stores' inserts of one row).
 */
export const NEW_ROW_COLUMNS = `id, workflow, workflow_version, input_json, idempotency_key, deadline_at, created_at, updated_at,
     status, due_at, lease_owner, lease_token, lease_expires_at, attempt, trace_parent, queue, concurrency_key,
     priority, dedupe_key, dedupe_until`

/** The values of a new row for NEW_ROW_COLUMNS, in their order. */
export function newRowValues(
  input: NewExecution,
  state: InitialState = initialState(input),
  flow: FlowState = flowState(input),
): (string | number | null)[] {
  return [
    input.id,
    input.workflow,
    input.version,
    input.inputJson,
    input.idempotencyKey,
    input.deadlineAt,
    input.now,
    input.now,
    state.status,
    state.dueAt,
    state.leaseOwner,
    state.leaseToken,
    state.leaseExpiresAt,
    state.attempt,
    input.traceParent ?? null,
    flow.queue,
    flow.concurrencyKey,
    flow.priority,
    flow.dedupeKey,
    flow.dedupeUntil,
  ]
}

/**
 * The record of a row just inserted with `newRowValues`: what a server store returns for a
 * create without reading the row back.
 */
export function newRecord(
  input: NewExecution,
  state: InitialState = initialState(input),
  flow: FlowState = flowState(input),
): ExecutionRecord {
  return {
    id: input.id,
    workflow: input.workflow,
    inputJson: input.inputJson,
    outputJson: null,
    errorJson: null,
    idempotencyKey: input.idempotencyKey,
    currentStep: null,
    waits: null,
    waitUntil: null,
    version: input.version,
    takeovers: 0,
    progress: null,
    paused: false,
    rerunOf: null,
    traceParent: input.traceParent ?? null,
    parentId: null,
    parentKey: null,
    detached: false,
    queue: flow.queue,
    concurrencyKey: flow.concurrencyKey,
    priority: flow.priority,
    dedupeKey: flow.dedupeKey,
    deadlineAt: input.deadlineAt,
    workflowRetries: 0,
    createdAt: input.now,
    updatedAt: input.now,
    ...state,
  }
}
