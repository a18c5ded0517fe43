import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createZart } from '../../src/index.ts'
import type { Store } from '../../src/storage/store.ts'
import { tempDir } from '../helpers.ts'
import { perUserSteps } from '../fixtures/workflows/per-user-steps.ts'
import { FIXTURE_WORKFLOWS, startWorker, type BackgroundWorker } from '../fixtures/zart-process.ts'
import { mysql, postgres, required, skipReason, sqlite, type Backend } from './backends.ts'

const USERS = 5
const PER_USER = 4
const WORKERS = 4

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function completed(store: Store): Promise<number> {
  return (await store.listExecutions({ status: 'completed', limit: 100 })).executions.length
}

/**
 * Four `zart worker` processes on one database claim the executions of a queue with a
 * limit of 3 at once and 1 per user: the log the steps write shows both limits held.
 */
function limitsAcrossProcesses(backend: Backend): void {
  it(`${WORKERS} worker processes keep a per-key limit of 1 and a queue limit of 3`, async () => {
    const { store, url } = await backend.fresh()
    const log = join(tempDir(), 'steps.log')
    const workers: BackgroundWorker[] = []
    const total = USERS * PER_USER
    try {
      const zart = await createZart({ db: store, workflows: [perUserSteps] })
      for (let i = 0; i < total; i++) {
        const user = `user-${i % USERS}`
        await zart.schedule('per-user-steps', { user, log }, { concurrencyKey: user })
      }
      await zart.close()
      const args = ['--db', url, '--workflows', FIXTURE_WORKFLOWS, '--concurrency', '8']
      for (let i = 0; i < WORKERS; i++) workers.push(startWorker(args))
      await Promise.all(workers.map((w) => w.started()))
      const giveUp = Date.now() + 90_000
      while ((await completed(store)) < total) {
        if (Date.now() > giveUp) throw new Error(`gave up: ${await completed(store)} of ${total} completed`)
        await sleep(50)
      }
      for (const worker of workers) expect((await worker.stop('SIGTERM')).code).toBe(0)

      const lines = readFileSync(log, 'utf8').trim().split('\n')
      const open = new Map<string, string>()
      let inFlight = 0
      let maxInFlight = 0
      for (const line of lines) {
        const [what, user = '', id = ''] = line.split(' ')
        if (what === 'start') {
          expect(open.get(user), `${user} started ${id} while ${open.get(user)} ran`).toBeUndefined()
          open.set(user, id)
          maxInFlight = Math.max(maxInFlight, ++inFlight)
        } else {
          open.delete(user)
          inFlight--
        }
      }
      expect(lines.filter((l) => l.startsWith('start'))).toHaveLength(total)
      expect(maxInFlight).toBeLessThanOrEqual(3)
    } finally {
      await Promise.all(workers.map((w) => w.stop('SIGKILL')))
      await store.close()
      await backend.options.cleanup?.(store, false)
    }
  }, 120_000)
}

for (const backend of [sqlite, postgres, mysql]) {
  const reason = skipReason(backend)
  describe(`queue limits across processes: ${backend.name}`, () => {
    if (reason === null) limitsAcrossProcesses(backend)
    else if (required.has(backend.name))
      it('is required by ZART_TEST_REQUIRE_BACKENDS but cannot run', () => {
        throw new Error(reason)
      })
    else it.skip(`needs its database: ${reason}`, () => {})
  })
}
