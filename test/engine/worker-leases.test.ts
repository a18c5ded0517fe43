import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createZart, defineWorkflow, SqliteStore, type Lease, type Store } from '../../src/index.ts'
import { tempDir } from '../helpers.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const giveUp = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > giveUp) throw new Error('gave up waiting')
    await sleep(5)
  }
}

/**
 * A store whose heartbeats can be held: while `hold()` is on, each heartbeat waits for
 * `release()` before it reaches the database, so its answer describes the database as it
 * is on release, not as it was when the worker asked.
 */
function heldHeartbeats(store: Store) {
  let gate: Promise<void> | null = null
  let open = () => {}
  const asked: Lease[][] = []
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (property !== 'heartbeat' || typeof value !== 'function') return value
      return async (leases: Lease[], now: number, leaseMs: number) => {
        asked.push(leases)
        if (gate) await gate
        return (value as Store['heartbeat']).call(target, leases, Date.now(), leaseMs)
      }
    },
  })
  return {
    store: proxy,
    asked,
    hold: () => {
      gate = new Promise((resolve) => (open = resolve))
    },
    release: () => {
      gate = null
      open()
    },
  }
}

describe('heartbeat and re-claims', () => {
  it('a lost lease halts only the run that held it, not a newer run of the same execution', async () => {
    const inner = new SqliteStore(join(tempDir(), 'zart.db'))
    const held = heldHeartbeats(inner)
    // Each attempt of the step: its AbortSignal, and a way to let it finish.
    const attempts: { signal: AbortSignal; finish: () => void }[] = []
    const workflow = defineWorkflow({ name: 'long' }, async (ctx) =>
      ctx.step('work', ({ signal }) => {
        return new Promise<string>((resolve, reject) => {
          attempts.push({ signal, finish: () => resolve('done') })
          signal.addEventListener('abort', () => reject(signal.reason as Error))
        })
      }),
    )
    const zart = await createZart({ db: held.store, workflows: [workflow] })
    zart.startWorker({ leaseMs: 300, pollMs: 10 })
    held.hold()
    const { execution_id } = await zart.schedule('long')
    await until(() => attempts.length === 1)
    const first = attempts[0]!
    // The heartbeat asks for the first lease and gets no answer; meanwhile that lease runs
    // out and this same worker claims the execution again, under a new token.
    await until(() => held.asked.some((leases) => leases.length > 0))
    await until(() => attempts.length === 2)
    expect(first.signal.aborted).toBe(true)
    const second = attempts[1]!
    // Now the database answers the old heartbeat: the first token is lost, by id the same
    // execution the second run holds.
    held.release()
    await sleep(100)
    expect(second.signal.aborted, String(second.signal.reason)).toBe(false)
    second.finish()
    const done = await zart.wait(execution_id, { timeout: '5s' })
    expect(done.status).toBe('completed')
    expect(done.attempt).toBe(2)
    await zart.close()
    await inner.close()
  })
})
