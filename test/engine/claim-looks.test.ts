import { expect, it } from 'vitest'
import { createZart, defineWorkflow, RetryConfig } from '../../src/index.ts'
import type { Store } from '../../src/storage/store.ts'
import { eachBackend } from './each-backend.ts'

const HOUR = 3_600_000

/** Counts the calls of one store method. */
function counting(store: Store, method: 'claim' | 'getExecution'): { count: () => number } {
  const original = store[method].bind(store) as (...args: unknown[]) => unknown
  let calls = 0
  ;(store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
    calls++
    return original(...args)
  }
  return { count: () => calls }
}

eachBackend('what a worker and a waiter ask of the store', (backend) => {
  it('a run that completes on its own, with slots to spare, sends the worker to claim nothing', async () => {
    const quick = defineWorkflow({ name: 'quick' }, async (ctx) => ctx.step('one', () => 1))
    const store = await backend.store()
    const claims = counting(store, 'claim')
    const zart = await createZart({ db: store, workflows: [quick] })
    zart.startWorker({ pollMs: HOUR })
    // Each is created already claimed for this worker and run at once: no claim is needed.
    for (let i = 0; i < 6; i++) {
      const { execution_id } = await zart.schedule('quick', {})
      expect((await zart.wait(execution_id, { timeout: '10s' })).status).toBe('completed')
    }
    // The worker's first look at start (and a wake-up from another store session at most).
    expect(claims.count()).toBeLessThan(3)
    await zart.close()
  })

  it('a run that ends waiting for a timer, a retry or a child is taken up again without a poll', async () => {
    let tries = 0
    const child = defineWorkflow({ name: 'child' }, async (ctx) => ctx.step('work', () => 'from child'))
    const parent = defineWorkflow({ name: 'parent' }, async (ctx) => {
      await ctx.sleep(30)
      const flaky = await ctx.stepWithRetry('flaky', RetryConfig.fixed(3, 20), () => {
        if (++tries < 2) throw new Error('not yet')
        return tries
      })
      const fromChild = await ctx.child<string>('child', {})
      return { flaky, fromChild }
    })
    const zart = await createZart({ db: await backend.store(), workflows: [parent, child] })
    zart.startWorker({ pollMs: HOUR })
    const { execution_id } = await zart.schedule('parent', {})
    const done = await zart.wait(execution_id, { timeout: '10s' })
    expect(done).toMatchObject({ status: 'completed', output: { flaky: 2, fromChild: 'from child' } })
    await zart.close()
  })

  it('a wait on an execution this process runs reads nothing: the run hands over its end', async () => {
    const quick = defineWorkflow({ name: 'quick' }, async (ctx) => ctx.step('one', () => 1))
    const parked = defineWorkflow({ name: 'parked' }, async (ctx) => ctx.waitForEvent('go'))
    const store = await backend.store()
    const zart = await createZart({ db: store, workflows: [quick, parked] })
    zart.startWorker({ pollMs: HOUR })
    const reads = counting(store, 'getExecution')
    const { execution_id } = await zart.schedule('quick', {})
    expect(await zart.wait(execution_id, { timeout: '10s' })).toMatchObject({ status: 'completed', output: 1 })
    expect(reads.count()).toBe(0)

    // One that suspends is read when its run ends, and a wait that runs out answers with the row as stored.
    const waiting = await zart.schedule('parked', {})
    expect(await zart.wait(waiting.execution_id, { timeout: 300 })).toMatchObject({
      status: 'waiting',
      timed_out: true,
      waiting_for: [{ kind: 'event', event: 'go' }],
    })
    await zart.close()
  })
})
