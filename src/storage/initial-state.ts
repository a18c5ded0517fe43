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
