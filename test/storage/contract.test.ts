import { describe, it } from 'vitest'
import { runStoreContract } from '../../src/testing/index.ts'
import { backends, required, skipReason } from './backends.ts'

for (const backend of backends) {
  const reason = skipReason(backend)
  if (reason === null) {
    runStoreContract(backend.name, async () => (await backend.fresh()).store, backend.options)
  } else if (required.has(backend.name)) {
    describe(`store contract: ${backend.name}`, () => {
      it('is required by ZART_TEST_REQUIRE_BACKENDS but cannot run', () => {
        throw new Error(reason)
      })
    })
  } else {
    console.warn(reason)
    describe.skip(`store contract: ${backend.name} (${reason})`, () => {
      it('needs its database', () => {})
    })
  }
}
