import { expect, it } from 'vitest'
import { createZart, defineWorkflow } from '../../src/index.ts'
import type { FencedWrite, Store } from '../../src/storage/store.ts'
import { FakeClock } from '../helpers.ts'
import { eachBackend } from './each-backend.ts'

/** The store, keeping every progress write it commits. */
function recording(store: Store, seen: FencedWrite[]): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof value !== 'function') return value
      if (property !== 'commit') return (value as (...a: unknown[]) => unknown).bind(target)
      return (writes: FencedWrite[]) => {
        seen.push(...writes.filter((w) => w.kind === 'progress'))
        return target.commit(writes)
      }
    },
  })
}

eachBackend('progress', (backend) => {
  it('is stored, shown by status, and not reported again by a replay', async () => {
    const flow = defineWorkflow({ name: 'copy' }, async (ctx) => {
      await ctx.step('extract', () => 1)
      ctx.progress(0.5, 'extracted')
      await ctx.waitForEvent('go')
      ctx.progress({ fraction: 1, message: 'loaded', data: { rows: 3 } })
      return ctx.step('load', () => 3)
    })
    const writes: FencedWrite[] = []
    const clock = new FakeClock()
    const zart = await createZart({ db: recording(await backend.store(), writes), workflows: [flow], clock })
    const { execution_id } = await zart.schedule('copy')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({
      status: 'waiting',
      progress: { fraction: 0.5, message: 'extracted', updated_at: new Date(clock.now()).toISOString() },
    })
    await zart.deliverEvent(execution_id, 'go', {})
    await zart.drain()
    const done = await zart.status(execution_id)
    expect(done).toMatchObject({ status: 'completed', progress: { fraction: 1, message: 'loaded', data: { rows: 3 } } })
    // The replay after the event passed ctx.progress(0.5) again without writing it.
    expect(writes.map((w) => (w.kind === 'progress' ? w.progress.message : null))).toEqual(['extracted', 'loaded'])
    await zart.close()
  })

  it('refuses a fraction outside 0..1 or an empty report, in the workflow', async () => {
    const flow = defineWorkflow({ name: 'bad-progress' }, async (ctx) => {
      ctx.progress(2)
      return 'unreachable'
    })
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock: new FakeClock() })
    const { execution_id } = await zart.schedule('bad-progress')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/ctx\.progress: fraction 2 is not a number from 0 to 1/) },
    })
    await zart.close()
  })

  it('refuses a misspelt field in the report, naming the fields it takes', async () => {
    const flow = defineWorkflow({ name: 'misspelt-progress' }, async (ctx) => {
      ctx.progress({ fracton: 0.5 } as never)
      return 'unreachable'
    })
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock: new FakeClock() })
    const { execution_id } = await zart.schedule('misspelt-progress')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/ctx\.progress: unknown fracton: it takes fraction, message and data/) },
    })
    await zart.close()
  })
})
