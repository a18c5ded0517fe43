import { z } from 'zod'
import { expect, it } from 'vitest'
import { ChildFailedError, createZart, defineWorkflow, NonRetryableError } from '../../src/index.ts'
import type { FencedWrite } from '../../src/storage/store.ts'
import { FakeClock } from '../helpers.ts'
import { eachBackend } from './each-backend.ts'

const double = defineWorkflow({ name: 'double', input: z.object({ n: z.number() }) }, async (ctx, { n }) =>
  ctx.step('double', () => n * 2),
)
const boom = defineWorkflow({ name: 'boom' }, async () => {
  throw new NonRetryableError('out of stock')
})
const forever = defineWorkflow({ name: 'forever' }, async (ctx) => ctx.waitForEvent('go'))

eachBackend('child workflows', (backend) => {
  it('returns a child’s output, raises its failure as ChildFailedError, and links both ways in status', async () => {
    const parent = defineWorkflow({ name: 'parent' }, async (ctx) => {
      const four = await ctx.child(double, { n: 2 })
      let failure: unknown
      try {
        await ctx.child('boom', {})
      } catch (error) {
        failure = error instanceof ChildFailedError && { status: error.status, message: error.cause.message }
      }
      return { four, failure }
    })
    const zart = await createZart({
      db: await backend.store(),
      workflows: [parent, double, boom],
      clock: new FakeClock(),
    })
    const { execution_id } = await zart.schedule('parent', {}, { id: 'p-1' })
    await zart.drain()
    const status = await zart.status(execution_id, { includeSteps: true })
    expect(status).toMatchObject({
      status: 'completed',
      output: { four: 4, failure: { status: 'failed', message: 'out of stock' } },
      children: [
        { id: 'p-1/double', workflow: 'double', status: 'completed' },
        { id: 'p-1/boom', workflow: 'boom', status: 'failed' },
      ],
    })
    expect(status.steps?.map((s) => [s.name, s.kind, s.status])).toEqual([
      ['double', 'child', 'completed'],
      ['boom', 'child', 'failed'],
    ])
    expect(await zart.status('p-1/double')).toMatchObject({ parent_id: 'p-1', output: 4 })
    await zart.close()
  })

  it('fans out to 20 children with Promise.all and in again; a replay starts none of them again', async () => {
    let bodies = 0
    let brokenOnce = true
    const square = defineWorkflow({ name: 'square' }, async (ctx, n: number) => {
      bodies++
      return ctx.step('square', () => n * n)
    })
    const fan = defineWorkflow({ name: 'fan', maxRetries: 1 }, async (ctx) => {
      const handles = await Promise.all(Array.from({ length: 20 }, (_, i) => ctx.startChild(square, i + 1)))
      const squares = await Promise.all(handles.map((h) => h.result()))
      // Fails once after every child is done: the whole run replays, children included.
      if (brokenOnce) {
        brokenOnce = false
        throw new Error('flaky')
      }
      return squares.reduce((a, b) => a + b, 0)
    })
    const clock = new FakeClock()
    const zart = await createZart({ db: await backend.store(), workflows: [fan, square], clock })
    const { execution_id } = await zart.schedule('fan', {}, { id: 'fan-1' })
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({ status: 'pending', error: { message: 'flaky' } })
    clock.advance('1h') // the whole-run retry's delay
    await zart.drain()
    const status = await zart.status(execution_id)
    expect(status).toMatchObject({ status: 'completed', output: 2870, attempt: expect.any(Number) })
    expect(brokenOnce).toBe(false)
    expect(status.children).toHaveLength(20)
    expect(status.children?.every((c) => c.status === 'completed')).toBe(true)
    expect(bodies).toBe(20)
    const all = await zart.list({ workflow: 'square', limit: 100 })
    expect(all.executions).toHaveLength(20)
    await zart.close()
  })

  it('waits in the database: the parent holds no worker and a child’s end wakes it', async () => {
    const parent = defineWorkflow({ name: 'waiter' }, async (ctx) => ctx.child<string>('forever', {}))
    const zart = await createZart({ db: await backend.store(), workflows: [parent, forever], clock: new FakeClock() })
    const { execution_id } = await zart.schedule('waiter', {}, { id: 'w-1' })
    await zart.drain()
    const waiting = await zart.status(execution_id)
    expect(waiting).toMatchObject({
      status: 'waiting',
      waiting_for: [{ kind: 'child', step: 'forever', child: 'w-1/forever', deadline: null }],
    })
    await zart.deliverEvent('w-1/forever', 'go', 'done')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({ status: 'completed', output: 'done' })
    await zart.close()
  })

  it('cancelling a parent cancels its running children, not detached ones; a cancelled child fails its wait', async () => {
    const parent = defineWorkflow({ name: 'boss' }, async (ctx) => {
      const kept = await ctx.startChild('forever', {}, { id: 'kept', detached: true })
      await ctx.startChild('forever', {}, { id: 'grunt' })
      return ctx.child('forever', {}, { id: 'awaited' }).catch((e: unknown) => (e as ChildFailedError).status + kept.id)
    })
    const zart = await createZart({ db: await backend.store(), workflows: [parent, forever], clock: new FakeClock() })
    await zart.schedule('boss', {}, { id: 'b-1' })
    await zart.schedule('boss', {}, { id: 'b-2' })
    await zart.drain()
    // A child cancelled on its own: the parent learns of it like of any other end.
    await zart.cancel('b-1/awaited')
    await zart.drain()
    expect(await zart.status('b-1')).toMatchObject({ status: 'completed', output: 'cancelledb-1/kept' })
    // The parent cancelled: its children go with it, the detached one stays.
    const cancelled = await zart.cancel('b-2')
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      children: [
        { id: 'b-2/kept', status: 'waiting' },
        { id: 'b-2/grunt', status: 'cancelled' },
        { id: 'b-2/awaited', status: 'cancelled' },
      ],
    })
    expect((await zart.status('b-2/grunt')).status).toBe('cancelled')
    expect((await zart.status('b-2/awaited')).status).toBe('cancelled')
    expect(await zart.status('b-2/kept')).toMatchObject({ status: 'waiting', detached: true, parent_id: 'b-2' })
    await zart.close()
  })

  it('a parent that finishes cancels the children it left running and theirs, not detached ones, waking none', async () => {
    const middle = defineWorkflow({ name: 'middle' }, async (ctx) => {
      await ctx.startChild('forever', {}, { id: 'deep' })
      return ctx.waitForEvent('go')
    })
    const parent = defineWorkflow({ name: 'leaver' }, async (ctx, fail: boolean) => {
      await ctx.startChild('forever', {}, { id: 'free', detached: true })
      await ctx.startChild('forever', {}, { id: 'left' })
      await ctx.startChild(middle, {})
      await ctx.child(double, { n: 1 })
      if (fail) throw new NonRetryableError('gave up')
      return 'done'
    })
    const zart = await createZart({
      db: await backend.store(),
      workflows: [parent, middle, forever, double],
      clock: new FakeClock(),
    })
    await zart.schedule('leaver', false, { id: 'l-1' })
    await zart.schedule('leaver', true, { id: 'l-2' })
    await zart.drain()
    for (const [id, status] of [
      ['l-1', 'completed'],
      ['l-2', 'failed'],
    ] as const) {
      expect(await zart.status(id)).toMatchObject({
        status,
        children: [
          { id: `${id}/free`, status: 'waiting' },
          { id: `${id}/left`, status: 'cancelled' },
          { id: `${id}/middle`, status: 'cancelled' },
          { id: `${id}/double`, status: 'completed' },
        ],
      })
      expect(await zart.status(`${id}/left`)).toMatchObject({
        status: 'cancelled',
        error: {
          code: 'PARENT_CLOSED',
          message: expect.stringMatching(new RegExp(`"${id}" above it ${status} before it ended`)),
        },
      })
      expect(await zart.status(`${id}/middle/deep`)).toMatchObject({
        status: 'cancelled',
        error: { code: 'PARENT_CLOSED', parent: id },
      })
    }
    // The detached child lives on and ends on its own; its finished parent stays as it was.
    await zart.deliverEvent('l-1/free', 'go', 'later')
    await zart.drain()
    expect(await zart.status('l-1/free')).toMatchObject({ status: 'completed', output: 'later' })
    expect(await zart.status('l-1')).toMatchObject({ status: 'completed', output: 'done' })
    await zart.close()
  })

  it('a parent that times out cancels its children', async () => {
    const clock = new FakeClock()
    const parent = defineWorkflow({ name: 'hurried', timeout: '1m' }, async (ctx) => {
      await ctx.startChild('forever', {}, { id: 'side' })
      return ctx.child('forever', {}, { id: 'awaited' })
    })
    const zart = await createZart({ db: await backend.store(), workflows: [parent, forever], clock })
    await zart.schedule('hurried', {}, { id: 't-1' })
    await zart.drain()
    expect((await zart.status('t-1')).status).toBe('waiting')
    clock.advance('1m')
    await zart.drain()
    expect(await zart.status('t-1')).toMatchObject({
      status: 'timed_out',
      children: [
        { id: 't-1/side', status: 'cancelled' },
        { id: 't-1/awaited', status: 'cancelled' },
      ],
    })
    expect(await zart.status('t-1/awaited')).toMatchObject({
      error: { code: 'PARENT_CLOSED', message: expect.stringMatching(/"t-1" above it timed out/) },
    })
    await zart.close()
  })

  it('a running child cancelled by its parent’s end is stopped at once: its signal fires', async () => {
    let started!: () => void
    const running = new Promise<void>((resolve) => (started = resolve))
    let aborted!: (why: string) => void
    const stopped = new Promise<string>((resolve) => (aborted = resolve))
    const busy = defineWorkflow({ name: 'busy' }, async (ctx) =>
      ctx.step('work', ({ signal }) => {
        signal.addEventListener('abort', () => aborted('aborted'))
        started()
        return new Promise(() => {})
      }),
    )
    const parent = defineWorkflow({ name: 'quitter' }, async (ctx) => {
      await ctx.startChild(busy, {})
      await ctx.step('child running', () => running)
      return 'left'
    })
    const zart = await createZart({ db: await backend.store(), workflows: [parent, busy] })
    zart.startWorker()
    await zart.schedule('quitter', {}, { id: 'q-1' })
    expect(await zart.wait('q-1', { timeout: '10s' })).toMatchObject({ status: 'completed' })
    expect(await stopped).toBe('aborted')
    expect(await zart.status('q-1/busy')).toMatchObject({ status: 'cancelled', error: { code: 'PARENT_CLOSED' } })
    await zart.close()
  })

  it('a parent failed by a crash loop cancels its children too', async () => {
    const clock = new FakeClock()
    const parent = defineWorkflow({ name: 'doomed' }, async (ctx) => {
      await ctx.startChild('forever', {}, { id: 'orphan' })
      await ctx.waitForEvent('go')
      return ctx.step('crash', () => 'never')
    })
    const store = await backend.store()
    const zart = await createZart({ db: store, workflows: [parent, forever], clock })
    await zart.schedule('doomed', {}, { id: 'k-1' })
    await zart.drain()
    await zart.deliverEvent('k-1', 'go', 1)
    // Five workers claim it and die (their leases run out, nothing is recorded).
    for (let i = 0; i < 5; i++) {
      await store.claim({ workerId: `dead-${i}`, limit: 1, now: clock.now(), leaseMs: 1000, workflows: ['doomed'] })
      clock.advance('2s')
    }
    await zart.drain()
    expect(await zart.status('k-1')).toMatchObject({
      status: 'failed',
      error: { code: 'WORKER_CRASH_LOOP' },
      children: [{ id: 'k-1/orphan', status: 'cancelled' }],
    })
    expect(await zart.status('k-1/orphan')).toMatchObject({ error: { code: 'PARENT_CLOSED', parent: 'k-1' } })
    await zart.close()
  })

  it('retries a parent that failed on a child: the child retried first is awaited anew, not started again', async () => {
    let broken = true
    const flaky = defineWorkflow({ name: 'flaky' }, async (ctx) =>
      ctx.step('call', () => {
        if (broken) throw new NonRetryableError('service down')
        return 'fine'
      }),
    )
    const parent = defineWorkflow({ name: 'needs-flaky' }, async (ctx) => ({ got: await ctx.child(flaky, {}) }))
    const zart = await createZart({ db: await backend.store(), workflows: [parent, flaky], clock: new FakeClock() })
    await zart.schedule('needs-flaky', {}, { id: 'n-1' })
    await zart.drain()
    expect(await zart.status('n-1')).toMatchObject({
      status: 'failed',
      error: {
        name: 'ChildFailedError',
        child: 'n-1/flaky',
        cause: { message: expect.stringMatching(/service down/) },
      },
    })
    broken = false
    await zart.retry('n-1/flaky')
    await zart.drain()
    await zart.retry('n-1')
    await zart.drain()
    expect(await zart.status('n-1')).toMatchObject({ status: 'completed', output: { got: 'fine' } })
    expect((await zart.list({ workflow: 'flaky', limit: 10 })).executions).toHaveLength(1)
    await zart.close()
  })

  it('a cancelled parent, retried, learns its cancelled children’s ends instead of waiting for ever', async () => {
    const parent = defineWorkflow({ name: 'patient' }, async (ctx) =>
      ctx.child('forever', {}).catch((e: unknown) => `child ${(e as ChildFailedError).status}`),
    )
    const zart = await createZart({ db: await backend.store(), workflows: [parent, forever], clock: new FakeClock() })
    await zart.schedule('patient', {}, { id: 'pt-1' })
    await zart.drain()
    await zart.cancel('pt-1')
    expect((await zart.status('pt-1/forever')).status).toBe('cancelled')
    await zart.retry('pt-1')
    await zart.drain()
    expect(await zart.status('pt-1')).toMatchObject({ status: 'completed', output: 'child cancelled' })
    await zart.close()
  })

  it('reruns a parent from a step: a child ended before it replays its result, one still open refuses', async () => {
    let doubles = 0
    let broken = true
    const counted = defineWorkflow({ name: 'counted' }, async (ctx, n: number) => {
      doubles++
      return ctx.step('double', () => n * 2)
    })
    const planner = defineWorkflow({ name: 'planner' }, async (ctx, n: number) => {
      const doubled = await ctx.child(counted, n)
      const slow = await ctx.startChild('forever', {}, { id: 'slow' })
      const total = await ctx.step('total', () => {
        if (broken) throw new NonRetryableError('bug in total')
        return doubled + 1
      })
      return { total, slow: await slow.result() }
    })
    const zart = await createZart({
      db: await backend.store(),
      workflows: [planner, counted, forever],
      clock: new FakeClock(),
    })
    await zart.schedule('planner', 2, { id: 'pl-1' })
    await zart.drain()
    expect(await zart.status('pl-1')).toMatchObject({ status: 'failed', error: { step: 'total' } })
    broken = false
    // The fork could not await a child of another execution: refused, naming where to rerun from.
    await expect(zart.rerun('pl-1', { fromStep: 'total' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/child "slow" \(execution "pl-1\/slow"\).*rerun from "slow"/),
      details: { step: 'slow', child: 'pl-1/slow' },
    })
    expect((await zart.list({ limit: 10 })).executions).toHaveLength(3)
    // From the open child's call: the child that ended before it is not run again, a new one starts.
    const fork = await zart.rerun('pl-1', { fromStep: 'slow', id: 'pl-2' })
    await zart.drain()
    expect(await zart.status(fork.id)).toMatchObject({
      status: 'waiting',
      children: [{ id: 'pl-2/slow', workflow: 'forever', status: 'waiting' }],
    })
    await zart.deliverEvent('pl-2/slow', 'go', 'late')
    await zart.drain()
    expect(await zart.status(fork.id)).toMatchObject({ status: 'completed', output: { total: 5, slow: 'late' } })
    expect(doubles).toBe(1)
    expect((await zart.list({ workflow: 'counted', limit: 10 })).executions).toHaveLength(1)
    await zart.close()
  })

  it('stops a replay whose code asks for something else where history started a child', async () => {
    const store = await backend.store()
    const clock = new FakeClock()
    const before = defineWorkflow({ name: 'swap' }, async (ctx) => ctx.child('forever', {}))
    const first = await createZart({ db: store, workflows: [before, forever], clock })
    await first.schedule('swap', {}, { id: 's-1' })
    await first.drain()
    await first.close()
    const after = defineWorkflow({ name: 'swap' }, async (ctx) => ctx.step('forever', () => 'no child'))
    const zart = await createZart({ db: store, workflows: [after, forever], clock })
    await zart.deliverEvent('s-1/forever', 'go', 1)
    await zart.drain()
    expect(await zart.status('s-1')).toMatchObject({
      status: 'pending',
      error: {
        code: 'REPLAY_DIVERGED',
        message: expect.stringMatching(
          /history has child "forever" at durable point #1, but the code asked for step "forever"/,
        ),
      },
    })
    expect((await zart.status('s-1')).children).toEqual([
      { id: 's-1/forever', workflow: 'forever', status: 'completed' },
    ])
    await zart.close()
  })

  it('fails the call, not the run, when the database refuses to store the child', async () => {
    const store = await backend.store()
    const refusing = new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'commit') return Reflect.get(target, property, receiver) as unknown
        return async (writes: FencedWrite[]) => {
          if (writes.some((w) => w.kind === 'child')) {
            throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' })
          }
          return target.commit(writes)
        }
      },
    })
    const parent = defineWorkflow({ name: 'careful' }, async (ctx) =>
      ctx.child(double, { n: 1 }).catch((e: unknown) => (e as { code?: string }).code),
    )
    const zart = await createZart({ db: refusing, workflows: [parent, double], clock: new FakeClock() })
    await zart.schedule('careful', {}, { id: 'r-1' })
    await zart.drain()
    expect(await zart.status('r-1')).toMatchObject({ status: 'completed', output: 'STORE_REJECTED' })
    expect((await zart.list({ limit: 10 })).executions).toHaveLength(1)
    await zart.close()
  })

  it('refuses a child workflow nobody loaded, and child data its schema refuses, naming the fix', async () => {
    const parent = defineWorkflow({ name: 'caller' }, async (ctx, which: string) =>
      which === 'unknown'
        ? ctx.child('nobody', {})
        : which === 'bad id'
          ? ctx.child('double', { n: 1 }, { id: 'no spaces' })
          : ctx.child('double', { n: 'two' }),
    )
    const zart = await createZart({ db: await backend.store(), workflows: [parent, double], clock: new FakeClock() })
    await zart.schedule('caller', 'unknown', { id: 'c-1' })
    await zart.schedule('caller', 'bad', { id: 'c-2' })
    await zart.schedule('caller', 'bad id', { id: 'c-3' })
    await zart.drain()
    expect(await zart.status('c-1')).toMatchObject({
      status: 'failed',
      error: {
        code: 'UNKNOWN_WORKFLOW',
        message: expect.stringMatching(/no workflow "nobody" is loaded here; load it/),
      },
    })
    expect(await zart.status('c-2')).toMatchObject({
      status: 'failed',
      error: { code: 'INVALID_INPUT', message: expect.stringMatching(/data for child workflow "double"/) },
    })
    expect(await zart.status('c-3')).toMatchObject({
      status: 'failed',
      error: {
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/ctx.child: child id "no spaces" may contain only/),
      },
    })
    expect((await zart.list({ limit: 10 })).executions).toHaveLength(3)
    await zart.close()
  })
})
