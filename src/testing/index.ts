/**
 * `zart/testing`: what a custom backend needs to prove itself with the tests zart's own
 * stores pass. Needs vitest.
 *
 * @example
 * import { runStoreContract } from 'zart/testing'
 */
export { runStoreContract } from './contract.ts'
export type { StoreContractOptions } from './harness.ts'
export { ManualClock } from './manual-clock.ts'
