import { afterEach, describe } from 'vitest'
import type { Store } from '../storage/store.ts'
import { ContractHarness, type StoreContractOptions } from './harness.ts'
import { storeCases } from './store-cases.ts'
import { telemetryCases } from './telemetry-cases.ts'
import { wakeUpCases, workflowCases } from './workflow-cases.ts'

/**
 * Registers the shared Store contract tests (vitest) for one backend: the same
 * behaviours every zart store keeps, checked through the Store API and by running
 * workflows on it. `makeStore` must return a store on a fresh, empty database or schema
 * each time it is called; the suite migrates, uses and closes it.
 *
 * @example
 * // my-store.test.ts
 * import { runStoreContract } from 'zart/testing'
 * runStoreContract('my-store', async () => new MyStore(await freshDatabase()))
 */
export function runStoreContract(
  name: string,
  makeStore: () => Promise<Store>,
  options: StoreContractOptions = {},
): void {
  describe(`store contract: ${name}`, () => {
    const harness = new ContractHarness(makeStore, options)
    afterEach(async (context) => {
      await harness.dispose(context.task.result?.state === 'fail')
    })
    describe('store API', () => storeCases(harness))
    describe('traces and metrics', () => telemetryCases(harness))
    describe('workflows', () => workflowCases(harness))
    describe('wake-ups', () => wakeUpCases(harness))
  })
}
