import { expect, it } from 'vitest'
import { z } from 'zod'
import { createZart, defineWorkflow } from '../../src/index.ts'
import { FakeClock } from '../helpers.ts'
import { eachBackend } from './each-backend.ts'

const pause = () => new Promise((resolve) => setTimeout(resolve, 5))

/** A workflow whose one step counts how many run at once, overall and per `user`. */
function counted(name: string, queue: Parameters<typeof defineWorkflow>[0]['queue']) {
  const seen = { now: 0, max: 0, perUser: new Map<string, number>(), maxPerUser: 0, order: [] as string[] }
  const workflow = defineWorkflow(
    { name, queue, input: z.object({ user: z.string(), tag: z.string().default('') }) },
    async (ctx, { user, tag }) =>
      ctx.step('work', async () => {
        seen.order.push(tag)
        seen.now++
        seen.max = Math.max(seen.max, seen.now)
        const mine = (seen.perUser.get(user) ?? 0) + 1
        seen.perUser.set(user, mine)
        seen.maxPerUser = Math.max(seen.maxPerUser, mine)
        await pause()
        seen.perUser.set(user, mine - 1)
        seen.now--
        return user
      }),
  )
  return { workflow, seen }
}

eachBackend('queues', (backend) => {
  it('a global limit holds: never more running at once than the queue allows', async () => {
    const { workflow, seen } = counted('capped', { name: 'capped', concurrency: 2 })
    const zart = await createZart({ db: await backend.store(), workflows: [workflow], clock: new FakeClock() })
    for (let i = 0; i < 7; i++) await zart.schedule('capped', { user: `u${i}` })
    expect(await zart.drain({ concurrency: 10 })).toBe(7)
    expect(seen.max).toBe(2)
    await zart.close()
  })

  it('a per-key limit of 1 runs one per key, different keys side by side', async () => {
    const { workflow, seen } = counted('per-user', { name: 'per-user', keyConcurrency: 1 })
    const zart = await createZart({ db: await backend.store(), workflows: [workflow], clock: new FakeClock() })
    for (let i = 0; i < 6; i++) {
      const user = i % 2 === 0 ? 'user-1' : 'user-2'
      await zart.schedule('per-user', { user }, { concurrencyKey: user })
    }
    expect(await zart.drain({ concurrency: 10 })).toBe(6)
    expect(seen.maxPerUser).toBe(1)
    expect(seen.max).toBe(2)
    await zart.close()
  })

  it('status says why a queued execution is not running: queued behind N on its key', async () => {
    const { workflow } = counted('keyed', { name: 'keyed', keyConcurrency: 1 })
    const clock = new FakeClock()
    const zart = await createZart({ db: await backend.store(), workflows: [workflow], clock })
    const ids: string[] = []
    for (let i = 0; i < 4; i++)
      ids.push((await zart.schedule('keyed', { user: 'user-42' }, { concurrencyKey: 'user-42' })).execution_id)
    // Another process's worker holds one of them.
    const held = await zart.store.claim({
      workerId: 'elsewhere',
      limit: 10,
      now: clock.now(),
      leaseMs: 60_000,
      workflows: ['keyed'],
    })
    expect(held.map((c) => c.execution.id)).toEqual([ids[0]])
    const last = await zart.status(ids[3] as string)
    expect(last.queue).toEqual({ name: 'keyed', concurrency_key: 'user-42', priority: 0 })
    expect(last.queue_reason).toMatch(/^queued behind 3 on key user-42 /)
    expect((await zart.status(ids[1] as string)).queue_reason).toMatch(/^queued behind 1 on key user-42 /)
    expect((await zart.status(ids[0] as string)).queue_reason).toBeUndefined()
    await zart.close()
  })

  it('a full queue still takes over an expired lease: the slot it holds is its own', async () => {
    const { workflow, seen } = counted('solo', { name: 'solo', concurrency: 1 })
    const clock = new FakeClock()
    const zart = await createZart({ db: await backend.store(), workflows: [workflow], clock })
    const a = (await zart.schedule('solo', { user: 'a', tag: 'a' })).execution_id
    await zart.schedule('solo', { user: 'b', tag: 'b' })
    // A worker elsewhere claims one and dies: its lease runs out with the queue full.
    const held = await zart.store.claim({
      workerId: 'gone',
      limit: 5,
      now: clock.now(),
      leaseMs: 1_000,
      workflows: ['solo'],
    })
    expect(held.map((c) => c.execution.id)).toEqual([a])
    clock.advance('2s')
    expect(await zart.drain()).toBe(2)
    expect(seen.order).toEqual(['a', 'b'])
    await zart.close()
  })

  it('a rate limit starts at most N per period; status says until when', async () => {
    const { workflow } = counted('rated', { name: 'rated', rateLimit: { limit: 2, period: '1m' } })
    const clock = new FakeClock()
    const zart = await createZart({ db: await backend.store(), workflows: [workflow], clock })
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await zart.schedule('rated', { user: `u${i}` })).execution_id)
    const start = clock.now()
    expect(await zart.drain()).toBe(2)
    const waiting = await zart.status(ids[4] as string)
    expect(waiting.status).toBe('pending')
    expect(waiting.queue_reason).toBe(
      `rate limited until ${new Date(start + 60_000).toISOString()} (queue rated starts at most 2 per 60000 ms)`,
    )
    clock.advance('59s')
    expect(await zart.drain()).toBe(0)
    clock.advance('1s')
    expect(await zart.drain()).toBe(2)
    clock.advance('1m')
    expect(await zart.drain()).toBe(1)
    await zart.close()
  })

  it('claims by priority within a queue: larger first, then in order of scheduling', async () => {
    const { workflow, seen } = counted('ordered', { name: 'ordered', concurrency: 1 })
    const zart = await createZart({ db: await backend.store(), workflows: [workflow], clock: new FakeClock() })
    const plan: [string, number][] = [
      ['low', 0],
      ['high', 5],
      ['mid', 2],
      ['low-2', 0],
      ['high-2', 5],
    ]
    for (const [tag, priority] of plan) await zart.schedule('ordered', { user: 'u', tag }, { priority })
    expect(await zart.drain()).toBe(5)
    expect(seen.order).toEqual(['high', 'high-2', 'mid', 'low', 'low-2'])
    await zart.close()
  })

  it('a waiting execution holds no slot: it gives its slot back and wins one again when woken', async () => {
    const waiter = defineWorkflow({ name: 'waiter', queue: { name: 'solo', concurrency: 1 } }, async (ctx) =>
      ctx.waitForEvent('go'),
    )
    const zart = await createZart({ db: await backend.store(), workflows: [waiter], clock: new FakeClock() })
    const a = (await zart.schedule('waiter')).execution_id
    const b = (await zart.schedule('waiter')).execution_id
    await zart.drain()
    expect((await zart.status(a)).status).toBe('waiting')
    expect((await zart.status(b)).status).toBe('waiting')
    await zart.deliverEvent(a, 'go', 1)
    await zart.deliverEvent(b, 'go', 2)
    await zart.drain()
    expect(await zart.status(b)).toMatchObject({ status: 'completed', output: 2 })
    await zart.close()
  })

  it('dedupe returns the pending execution instead of starting another, until it starts or the window ends', async () => {
    const { workflow } = counted('digest', undefined)
    const clock = new FakeClock()
    const zart = await createZart({ db: await backend.store(), workflows: [workflow], clock })
    const first = await zart.schedule(
      'digest',
      { user: 'a' },
      { dedupe: { key: 'digest:a', window: '1m' }, delay: '5m' },
    )
    expect(first).toMatchObject({ created: true })
    const again = await zart.schedule('digest', { user: 'a', tag: 'other input' }, { dedupe: { key: 'digest:a' } })
    expect(again).toEqual({ execution_id: first.execution_id, status: 'pending', created: false, deduplicated: true })
    clock.advance('1m')
    const afterWindow = await zart.schedule('digest', { user: 'a' }, { dedupe: { key: 'digest:a', window: '1m' } })
    expect(afterWindow.created).toBe(true)
    expect(afterWindow.execution_id).not.toBe(first.execution_id)
    await zart.drain()
    // Started: its key is free again.
    const later = await zart.schedule('digest', { user: 'a' }, { dedupe: { key: 'digest:a', window: '1m' } })
    expect(later.created).toBe(true)
    await zart.close()
  })

  it('a cancelled execution gives up its dedupe key: the next schedule with it starts anew', async () => {
    const { workflow } = counted('digest', undefined)
    const zart = await createZart({ db: await backend.store(), workflows: [workflow], clock: new FakeClock() })
    const dedupe = { key: 'digest:b', window: '1h' }
    const first = await zart.schedule('digest', { user: 'b' }, { dedupe, delay: '5m' })
    await zart.cancel(first.execution_id)
    const next = await zart.schedule('digest', { user: 'b' }, { dedupe, delay: '5m' })
    expect(next).toMatchObject({ created: true, status: 'pending' })
    expect(next.execution_id).not.toBe(first.execution_id)
    // The new one holds the key now.
    expect(await zart.schedule('digest', { user: 'b' }, { dedupe })).toMatchObject({
      execution_id: next.execution_id,
      deduplicated: true,
    })
    await zart.close()
  })

  it('refuses bad limits and queue options with a coded error that names the fix, changing nothing', async () => {
    const { workflow } = counted('plain', undefined)
    const zart = await createZart({ db: await backend.store(), workflows: [workflow], clock: new FakeClock() })
    await expect(zart.setQueue('q', { concurrency: 0 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/concurrency must be a whole number from 1 to 1000000 .*use at least 1/),
    })
    await expect(zart.setQueue('q', { rateLimit: { limit: 5, period: 0 } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/rateLimit.period must be at least 1ms/),
    })
    expect(await zart.queues()).toEqual([])
    await expect(zart.schedule('plain', { user: 'a' }, { queue: 'nope' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/unknown queue "nope": define it first/),
    })
    await expect(zart.schedule('plain', { user: 'a' }, { concurrencyKey: 'a' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/a concurrency key applies within a queue/),
    })
    expect((await zart.list()).executions).toEqual([])
    expect(await zart.setQueue('q', { concurrency: 3 })).toEqual({
      name: 'q',
      concurrency: 3,
      key_concurrency: null,
      rate_limit: null,
    })
    const { execution_id } = await zart.schedule('plain', { user: 'a' }, { queue: 'q', concurrencyKey: 'a' })
    expect((await zart.status(execution_id)).queue).toEqual({ name: 'q', concurrency_key: 'a', priority: 0 })
    await zart.close()
  })
})
