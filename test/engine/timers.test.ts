import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createZart, defineWorkflow, SqliteStore, type Store } from '../../src/index.ts'
import { tempDir } from '../helpers.ts'

/**
 * Delays past Node's 2^31-1 ms timer limit (~24.8 days). A plain setTimeout/setInterval
 * given one fires after 1 ms: every delay here must wait as long as it says.
 */
const DAYS_30 = 30 * 86_400_000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A SQLite store that counts the calls made to it, by method. */
function countingStore(): { store: Store; calls: Map<string, number> } {
  const inner = new SqliteStore(join(tempDir(), 'zart.db'))
  const calls = new Map<string, number>()
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        calls.set(String(property), (calls.get(String(property)) ?? 0) + 1)
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { store, calls }
}

/** A workflow whose one step runs `ms` and records whether its AbortSignal fired. */
function slowStep(name: string, ms: number, timeout?: string) {
  const seen: { aborted: string | null } = { aborted: null }
  const workflow = defineWorkflow({ name, ...(timeout !== undefined && { timeout }) }, async (ctx) =>
    ctx.step('slow', async ({ signal }) => {
      signal.addEventListener('abort', () => (seen.aborted = String((signal.reason as Error).message)))
      await sleep(ms)
      return 'done'
    }),
  )
  return { workflow, seen }
}

describe('timers longer than 24.8 days', () => {
  it('a --grace of 30 days lets a running step finish on stop instead of halting it at once', async () => {
    const { store } = countingStore()
    const { workflow, seen } = slowStep('slow', 300)
    const zart = await createZart({ db: store, workflows: [workflow] })
    const worker = zart.startWorker({ graceMs: DAYS_30, pollMs: 10 })
    const { execution_id } = await zart.schedule('slow')
    while (worker.activeCount === 0) await sleep(5)
    await zart.close()
    expect(seen.aborted).toBeNull()
    const reopened = await createZart({ db: store, workflows: [workflow] })
    expect((await reopened.status(execution_id)).status).toBe('completed')
    await store.close()
  })

  it('a lease of 90 days does not heartbeat every millisecond', async () => {
    const { store, calls } = countingStore()
    const { workflow } = slowStep('slow', 300)
    const zart = await createZart({ db: store, workflows: [workflow] })
    zart.startWorker({ leaseMs: 3 * DAYS_30, pollMs: 10 })
    const { execution_id } = await zart.schedule('slow')
    expect((await zart.wait(execution_id, { timeout: '5s' })).status).toBe('completed')
    // The run's own wake-ups may check leases a few times; a storm is hundreds.
    expect(calls.get('heartbeat') ?? 0).toBeLessThan(20)
    await zart.close()
    await store.close()
  })

  it('an idle worker polling every 30 days sleeps instead of spinning', async () => {
    const { store, calls } = countingStore()
    const zart = await createZart({ db: store, workflows: [slowStep('slow', 1).workflow] })
    zart.startWorker({ pollMs: DAYS_30 })
    await sleep(300)
    expect(calls.get('claim') ?? 0).toBeLessThan(5)
    await zart.close()
    await store.close()
  })

  it('retention every 30 days prunes once at start, not every millisecond', async () => {
    const { store, calls } = countingStore()
    const zart = await createZart({ db: store, workflows: [] })
    zart.startRetention('1d', DAYS_30)
    await sleep(1_300)
    expect(calls.get('pruneExecutions')).toBe(1)
    await zart.close()
    await store.close()
  })

  // Fails until src/engine/executor.ts arms its deadline with setLongTimeout (see the
  // report of the timers branch); flip to `it` then.
  it('a workflow timeout of 30 days does not time the execution out when it is claimed', async () => {
    const { store } = countingStore()
    const { workflow } = slowStep('monthly', 100, '30d')
    const zart = await createZart({ db: store, workflows: [workflow] })
    zart.startWorker({ pollMs: 10 })
    const { execution_id } = await zart.schedule('monthly')
    expect((await zart.wait(execution_id, { timeout: '5s' })).status).toBe('completed')
    await zart.close()
    await store.close()
  })
})
