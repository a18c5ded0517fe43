import { expect, it } from 'vitest'
import { createZart, type Zart } from '../client/zart.ts'
import { defineWorkflow } from '../engine/workflow.ts'
import { RetryConfig } from '../engine/retry-policy.ts'
import { EventTimeoutError } from '../errors.ts'
import type { WorkflowLike } from '../engine/workflow.ts'
import type { Store } from '../storage/store.ts'
import type { ContractHarness } from './harness.ts'
import { ManualClock } from './manual-clock.ts'

async function open(store: Store, workflows: WorkflowLike[], clock: ManualClock): Promise<Zart> {
  // The suite owns the store: the client does not close it.
  return createZart({ db: store, workflows, clock })
}

/** Behaviours checked end to end: the client and the engine running workflows on the store. */
export function workflowCases(h: ContractHarness): void {
  it('replays completed steps after a restart instead of running them again', async () => {
    const store = await h.store()
    const clock = new ManualClock()
    const calls: string[] = []
    const flow = defineWorkflow({ name: 'replay' }, async (ctx, input: { n: number }) => {
      const a = await ctx.step('a', () => (calls.push('a'), input.n + 1))
      const got = await ctx.waitForEvent<{ add: number }>('go')
      const b = await ctx.step('b', () => (calls.push('b'), a + got.add))
      return { b }
    })
    let zart = await open(store, [flow], clock)
    const { execution_id } = await zart.schedule('replay', { n: 1 })
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({
      status: 'waiting',
      waiting_for: [{ kind: 'event', event: 'go' }],
    })
    await zart.close()
    zart = await open(store, [flow], clock)
    expect(await zart.deliverEvent(execution_id, 'go', { add: 10 })).toEqual({ result: 'delivered', status: 'pending' })
    await zart.drain()
    const status = await zart.status(execution_id, { includeSteps: true })
    expect(status).toMatchObject({ status: 'completed', output: { b: 12 }, attempt: 2 })
    expect(status.steps?.map((s) => [s.name, s.kind, s.status])).toEqual([
      ['a', 'step', 'completed'],
      ['go', 'wait', 'completed'],
      ['b', 'step', 'completed'],
    ])
    expect(calls).toEqual(['a', 'b'])
    await zart.close()
  })

  it('retries a failing step with backoff, rescheduled in the database', async () => {
    const store = await h.store()
    const clock = new ManualClock()
    let tries = 0
    const flow = defineWorkflow({ name: 'flaky' }, async (ctx) =>
      ctx.stepWithRetry('call', RetryConfig.exponential(3, '1s'), (info) => {
        tries++
        if (info.attempt < 3) throw new Error(`attempt ${info.attempt} failed`)
        return info.attempt
      }),
    )
    const zart = await open(store, [flow], clock)
    const { execution_id } = await zart.schedule('flaky')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({
      status: 'pending',
      run_at: new Date(clock.now() + 1000).toISOString(),
    })
    clock.advance(999)
    expect(await zart.drain()).toBe(0)
    clock.advance(1)
    await zart.drain()
    expect(tries).toBe(2)
    expect(await zart.status(execution_id)).toMatchObject({
      status: 'pending',
      run_at: new Date(clock.now() + 2000).toISOString(),
    })
    clock.advance('2s')
    await zart.drain()
    const status = await zart.status(execution_id, { includeSteps: true })
    expect(status).toMatchObject({ status: 'completed', output: 3 })
    expect(status.steps).toMatchObject([{ name: 'call', status: 'completed', attempts: 3 }])
    await zart.close()
  })

  it('buffers events delivered before the wait and hands them out oldest first', async () => {
    const store = await h.store()
    const clock = new ManualClock()
    const flow = defineWorkflow({ name: 'inbox' }, async (ctx) => {
      await ctx.step('ready', () => true)
      const first = await ctx.waitForEvent<number>('item')
      const second = await ctx.waitForEvent<number>('item')
      return [first, second]
    })
    const zart = await open(store, [flow], clock)
    const { execution_id } = await zart.schedule('inbox')
    expect(await zart.deliverEvent(execution_id, 'item', 1)).toEqual({ result: 'buffered', status: 'pending' })
    expect(await zart.deliverEvent(execution_id, 'item', 2, { eventId: 'two' })).toMatchObject({ result: 'buffered' })
    expect(await zart.deliverEvent(execution_id, 'item', 99, { eventId: 'two' })).toMatchObject({ result: 'duplicate' })
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({ status: 'completed', output: [1, 2] })
    await zart.close()
  })

  it('raises a catchable timeout when no event comes in time', async () => {
    const store = await h.store()
    const clock = new ManualClock()
    const flow = defineWorkflow({ name: 'impatient' }, async (ctx) => {
      try {
        return await ctx.waitForEvent('approval', { timeout: '1h' })
      } catch (error) {
        if (error instanceof EventTimeoutError) return await ctx.step('fallback', () => 'timed out')
        throw error
      }
    })
    const zart = await open(store, [flow], clock)
    const { execution_id } = await zart.schedule('impatient')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({
      status: 'waiting',
      waiting_for: [{ kind: 'event', event: 'approval', deadline: new Date(clock.now() + 3_600_000).toISOString() }],
    })
    clock.advance('59m')
    expect(await zart.drain()).toBe(0)
    clock.advance('1m')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({ status: 'completed', output: 'timed out' })
    await zart.close()
  })

  it('sleeps durably, holding no worker', async () => {
    const store = await h.store()
    const clock = new ManualClock()
    const flow = defineWorkflow({ name: 'nap' }, async (ctx) => {
      await ctx.sleep('10m')
      return ctx.step('after', () => 'awake')
    })
    const zart = await open(store, [flow], clock)
    const { execution_id } = await zart.schedule('nap')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({ status: 'waiting', waiting_for: [{ kind: 'sleep' }] })
    clock.advance('10m')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({ status: 'completed', output: 'awake' })
    await zart.close()
  })

  it('refuses events for unknown and finished executions', async () => {
    const store = await h.store()
    const clock = new ManualClock()
    const flow = defineWorkflow({ name: 'quick' }, async () => 'done')
    const zart = await open(store, [flow], clock)
    const { execution_id } = await zart.schedule('quick')
    await zart.drain()
    await expect(zart.deliverEvent(execution_id, 'late', 1)).rejects.toMatchObject({ code: 'EXECUTION_TERMINAL' })
    await expect(zart.deliverEvent('no-such-id', 'late', 1)).rejects.toMatchObject({ code: 'EXECUTION_NOT_FOUND' })
    await zart.close()
  })

  it('schedules idempotently by id and by idempotency key', async () => {
    const store = await h.store()
    const clock = new ManualClock()
    const flow = defineWorkflow({ name: 'once' }, async (_ctx, input: unknown) => input)
    const zart = await open(store, [flow], clock)
    expect(await zart.schedule('once', { a: 1, b: 2 }, { id: 'order-1' })).toEqual({
      execution_id: 'order-1',
      status: 'pending',
      created: true,
    })
    expect(await zart.schedule('once', { b: 2, a: 1 }, { id: 'order-1' })).toMatchObject({
      execution_id: 'order-1',
      created: false,
    })
    await expect(zart.schedule('once', { a: 2 }, { id: 'order-1' })).rejects.toMatchObject({ code: 'ID_CONFLICT' })
    const first = await zart.schedule('once', { k: 1 }, { idempotencyKey: 'key-1' })
    expect(await zart.schedule('once', { k: 1 }, { idempotencyKey: 'key-1' })).toEqual({ ...first, created: false })
    await expect(zart.schedule('once', { k: 2 }, { idempotencyKey: 'key-1' })).rejects.toMatchObject({
      code: 'ID_CONFLICT',
    })
    expect((await zart.list()).executions).toHaveLength(2)
    await zart.close()
  })

  it('cancels a waiting execution for good', async () => {
    const store = await h.store()
    const clock = new ManualClock()
    const flow = defineWorkflow({ name: 'patient' }, async (ctx) => ctx.waitForEvent('never'))
    const zart = await open(store, [flow], clock)
    const { execution_id } = await zart.schedule('patient')
    await zart.drain()
    expect(await zart.cancel(execution_id)).toMatchObject({ status: 'cancelled' })
    await expect(zart.cancel(execution_id)).rejects.toMatchObject({ code: 'EXECUTION_TERMINAL' })
    await expect(zart.deliverEvent(execution_id, 'never', 1)).rejects.toMatchObject({ code: 'EXECUTION_TERMINAL' })
    expect(await zart.drain()).toBe(0)
    expect((await zart.list({ status: 'cancelled' })).executions.map((e) => e.id)).toEqual([execution_id])
    await zart.close()
  })

  it('runs a workflow with a real worker, woken without waiting for a poll', async () => {
    const store = await h.store()
    const flow = defineWorkflow({ name: 'live' }, async (ctx, input: { n: number }) => {
      const doubled = await ctx.step('double', () => input.n * 2)
      const extra = await ctx.waitForEvent<number>('extra')
      return ctx.step('sum', () => doubled + extra)
    })
    const zart = await createZart({ db: store, workflows: [flow] })
    zart.startWorker({ pollMs: 5_000 })
    const { execution_id } = await zart.schedule('live', { n: 21 })
    for (let i = 0; i < 200 && (await zart.status(execution_id)).status !== 'waiting'; i++) await pause(10)
    await zart.deliverEvent(execution_id, 'extra', 0.5)
    expect(await zart.wait(execution_id, { timeout: '10s' })).toMatchObject({
      status: 'completed',
      output: 42.5,
      timed_out: false,
    })
    await zart.close()
  })
}

/** Cross-process wake-ups, for stores that offer them (`Store.subscribe`). */
export function wakeUpCases(h: ContractHarness): void {
  it('tells subscribers when an execution becomes due', async (context) => {
    const store = await h.store()
    if (!store.subscribe) return context.skip()
    let calls = 0
    const unsubscribe = await store.subscribe(() => calls++)
    const before = calls
    const now = Date.now()
    await store.createExecution({
      id: 'a',
      workflow: 'flow',
      inputJson: '{}',
      idempotencyKey: null,
      deadlineAt: null,
      runAt: now,
      now,
      version: null,
    })
    for (let i = 0; i < 200 && calls === before; i++) await pause(5)
    expect(calls).toBeGreaterThan(before)
    await unsubscribe()
  })
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
