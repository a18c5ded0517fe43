import type { NewExecution } from '../storage/store.ts'

/** The moment the contract's rows are made at. */
export const T0 = Date.parse('2026-01-01T00:00:00Z')

/** A new execution of workflow `flow`, due at T0, with `patch` over it. */
export function newExecution(id: string, patch: Partial<NewExecution> = {}): NewExecution {
  return {
    id,
    workflow: 'flow',
    inputJson: '{}',
    idempotencyKey: null,
    deadlineAt: null,
    runAt: T0,
    now: T0,
    version: null,
    ...patch,
  }
}
