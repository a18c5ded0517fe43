import type { Lease, Store } from '../../src/storage/store.ts'
import { newExecution, T0 } from '../../src/testing/fixtures.ts'

export { T0 }

/** Creates `id` already claimed by worker w1 (as a schedule with a free local worker does); its lease. */
export async function claimed(store: Store, id: string): Promise<Lease> {
  const [created] = await store.createExecutions!([newExecution(id, { claim: { workerId: 'w1', leaseMs: 30_000 } })])
  if (created?.outcome !== 'created') throw new Error(`${id} was not created`)
  return { executionId: id, token: created.execution.leaseToken }
}
