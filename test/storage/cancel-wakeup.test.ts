import { describe, expect, it } from 'vitest'
import { createZart, defineWorkflow, type Zart } from '../../src/index.ts'
import { backends, required, skipReason, type Backend } from './backends.ts'

/**
 * A cancel made through one Zart (another process, in effect: its own connection and no
 * worker) reaches a step running under another Zart's worker on the same database. With
 * a push channel (PostgreSQL NOTIFY, SQLite file notifications) it arrives within a
 * wake-up, long before the heartbeat (leaseMs/3 = 10 s by default); MySQL has none and
 * relies on the heartbeat, so it runs with a short lease. Either way the step's signal
 * says the execution was cancelled, not that a lease was lost.
 */
const PUSH_BOUND_MS = 2_000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function cancelCase(backend: Backend) {
  const push = backend.name !== 'mysql'
  it(`a step learns of a cancel from another instance ${push ? 'within a wake-up' : 'at the next heartbeat'}, as "cancelled"`, async () => {
    const { store, url } = await backend.fresh()
    let failed = true
    const started: { at: number; signal: AbortSignal }[] = []
    const workflow = defineWorkflow({ name: 'long-step' }, async (ctx) =>
      ctx.step('work', ({ signal }) => {
        started.push({ at: Date.now(), signal })
        return new Promise<string>((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason as Error))
        })
      }),
    )
    const runner: Zart = await createZart({ db: url, workflows: [workflow] })
    const other: Zart = await createZart({ db: url, workflows: [workflow] })
    try {
      // Default lease (30 s, heartbeat every 10 s) where a push channel exists.
      runner.startWorker({ pollMs: 50, ...(!push && { leaseMs: 1_500 }) })
      const { execution_id } = await other.schedule('long-step')
      const giveUp = Date.now() + 10_000
      while (started.length === 0 && Date.now() < giveUp) await sleep(10)
      const step = started[0]
      if (!step) throw new Error('the step never started')
      const abortedAt = new Promise<number>((resolve) =>
        step.signal.addEventListener('abort', () => resolve(Date.now()), { once: true }),
      )
      await sleep(100)
      const cancelledAt = Date.now()
      await other.cancel(execution_id)
      const latency = (await abortedAt) - cancelledAt
      console.info(`${backend.name}: cancel reached the running step in ${latency} ms`)
      expect(String((step.signal.reason as Error).message)).toMatch(/cancelled/)
      expect(latency).toBeLessThan(push ? PUSH_BOUND_MS : 3_000) // MySQL: a heartbeat (every 500 ms), with room for load
      expect((await other.status(execution_id)).status).toBe('cancelled')
      failed = false
    } finally {
      await runner.close()
      await other.close()
      await store.close()
      await backend.options.cleanup?.(store, failed)
    }
  }, 20_000)
}

for (const backend of backends) {
  const reason = skipReason(backend)
  describe(`cancel across instances: ${backend.name}`, () => {
    if (reason === null) cancelCase(backend)
    else if (required.has(backend.name))
      it('is required by ZART_TEST_REQUIRE_BACKENDS but cannot run', () => {
        throw new Error(reason)
      })
    else it.skip(`needs its database: ${reason}`, () => {})
  })
}
