import { expect, it } from 'vitest'
import { createZart, defineWorkflow } from '../../src/index.ts'
import { FakeClock } from '../helpers.ts'
import { eachBackend } from './each-backend.ts'

eachBackend('replay', (backend) => {
  it('runs each completed step exactly once across interruptions', async () => {
    const db = await backend.store()
    const calls: Record<string, number> = {}
    const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1)
    const flow = defineWorkflow({ name: 'counting' }, async (ctx, input: { n: number }) => {
      const a = await ctx.step('a', () => (count('a'), input.n + 1))
      const b = await ctx.step('b', () => (count('b'), a * 2))
      const got = await ctx.waitForEvent<{ add: number }>('go')
      const c = await ctx.step('c', () => (count('c'), b + got.add))
      return { c }
    })
    const clock = new FakeClock()
    let zart = await createZart({ db, workflows: [flow], clock })
    const { execution_id } = await zart.schedule('counting', { n: 1 })
    await zart.drain()
    expect((await zart.status(execution_id)).status).toBe('waiting')
    await zart.close()

    // A new process: same database, fresh memory.
    zart = await createZart({ db: await backend.reopen(db), workflows: [flow], clock })
    expect(await zart.deliverEvent(execution_id, 'go', { add: 10 })).toEqual({ result: 'delivered', status: 'pending' })
    await zart.drain()
    const status = await zart.status(execution_id, { includeSteps: true })
    expect(status.status).toBe('completed')
    expect(status.output).toEqual({ c: 14 })
    expect(calls).toEqual({ a: 1, b: 1, c: 1 })
    expect(status.steps?.map((s) => [s.name, s.status])).toEqual([
      ['a', 'completed'],
      ['b', 'completed'],
      ['go', 'completed'],
      ['c', 'completed'],
    ])
    await zart.close()
  })
})
