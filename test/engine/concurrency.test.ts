import { expect, it } from 'vitest'
import { createZart, defineWorkflow, RetryConfig, type WorkflowContext } from '../../src/index.ts'
import { FakeClock } from '../helpers.ts'
import { eachBackend } from './each-backend.ts'

/** A step function that takes a little real time, so the branch beside it gets ahead. */
const slowly = <T>(value: T, ms = 30): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms))

eachBackend('parallel branches', (backend) => {
  it('commits a step running beside a wait before suspending, and never runs it again', async () => {
    const runs: string[] = []
    const flow = defineWorkflow({ name: 'mail-and-wait' }, async (ctx) => {
      const [sent, approval] = await Promise.all([
        ctx.step('send-email', () => (runs.push('send-email'), slowly('sent'))),
        ctx.waitForEvent<{ ok: boolean }>('approval'),
      ])
      return { sent, approval }
    })
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock: new FakeClock() })
    const { execution_id } = await zart.schedule('mail-and-wait')
    await zart.drain()
    const waiting = await zart.status(execution_id, { includeSteps: true })
    expect(waiting).toMatchObject({ status: 'waiting', waiting_for: [{ kind: 'event', event: 'approval' }] })
    expect(waiting.steps?.find((s) => s.name === 'send-email')).toMatchObject({ status: 'completed' })
    expect(await zart.deliverEvent(execution_id, 'approval', { ok: true })).toMatchObject({ result: 'delivered' })
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({
      status: 'completed',
      output: { sent: 'sent', approval: { ok: true } },
    })
    expect(runs).toEqual(['send-email'])
    await zart.close()
  })

  it('commits a step running beside a sleep and beside a retry delay, each once', async () => {
    const runs: Record<string, number> = {}
    const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1)
    let flaky = 0
    const flow = defineWorkflow({ name: 'beside-timers' }, async (ctx) => {
      await Promise.all([ctx.step('charge', () => (count('charge'), slowly('charged'))), ctx.sleep('1h')])
      const both = await Promise.all([
        ctx.step(
          'flaky',
          () => {
            count('flaky')
            if (++flaky === 1) throw new Error('first attempt fails')
            return 'ok'
          },
          { retry: RetryConfig.fixed(2, '10m') },
        ),
        ctx.step('report', () => (count('report'), slowly('reported'))),
      ])
      return both
    })
    const clock = new FakeClock()
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock })
    const { execution_id } = await zart.schedule('beside-timers')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({ status: 'waiting', waiting_for: [{ kind: 'sleep' }] })
    clock.advance('1h')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({
      status: 'pending',
      waiting_for: [{ kind: 'retry', step: 'flaky' }],
    })
    clock.advance('10m')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({ status: 'completed', output: ['ok', 'reported'] })
    expect(runs).toEqual({ charge: 1, flaky: 2, report: 1 })
    await zart.close()
  })

  it('waits on two events at once: either one resumes it, and the other stays in the inbox', async () => {
    const flow = defineWorkflow({ name: 'decide' }, async (ctx) => {
      const decision = await Promise.race([
        ctx.waitForEvent<string>('approve').then((note) => ({ approved: true, note })),
        ctx.waitForEvent<string>('reject').then((note) => ({ approved: false, note })),
      ])
      await ctx.step('record', () => decision)
      return decision
    })
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock: new FakeClock() })
    const { execution_id } = await zart.schedule('decide')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({
      status: 'waiting',
      waiting_for: [
        { kind: 'event', event: 'approve', deadline: null },
        { kind: 'event', event: 'reject', deadline: null },
      ],
    })
    expect(await zart.deliverEvent(execution_id, 'reject', 'too expensive')).toEqual({
      result: 'delivered',
      status: 'pending',
    })
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({
      status: 'completed',
      output: { approved: false, note: 'too expensive' },
    })
    await zart.close()
  })

  it('resumes a race of an event and a timer on whichever comes first', async () => {
    const flow = defineWorkflow({ name: 'or-timeout' }, async (ctx) =>
      Promise.race([ctx.waitForEvent('paid').then(() => 'paid'), ctx.sleep('1d').then(() => 'reminder')]),
    )
    const clock = new FakeClock()
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock })
    const first = await zart.schedule('or-timeout')
    const second = await zart.schedule('or-timeout')
    await zart.drain()
    expect(await zart.status(first.execution_id)).toMatchObject({
      waiting_for: [{ kind: 'event', event: 'paid' }, { kind: 'sleep' }],
    })
    await zart.deliverEvent(first.execution_id, 'paid', {})
    await zart.drain()
    clock.advance('1d')
    await zart.drain()
    expect(await zart.status(first.execution_id)).toMatchObject({ status: 'completed', output: 'paid' })
    expect(await zart.status(second.execution_id)).toMatchObject({ status: 'completed', output: 'reminder' })
    await zart.close()
  })

  it('gives ctx.now() and a race the same values on every replay, whatever finished first', async () => {
    const clock = new FakeClock()
    const seen: { firstRun: string[]; replay: string[] } = { firstRun: [], replay: [] }
    let replaying = false
    const body = async (ctx: WorkflowContext) => {
      const winner = await Promise.race([
        ctx.step('slow', async () => {
          await slowly(null, 40)
          clock.advance('5s')
          return 'slow'
        }),
        ctx.step('fast', () => {
          clock.advance('1s')
          return 'fast'
        }),
      ])
      await Promise.all([ctx.step('late', () => slowly('late', 60)), ctx.step('early', () => 'early')])
      ;(replaying ? seen.replay : seen.firstRun).push(`${winner}@${ctx.now().toISOString()}`)
      await ctx.waitForEvent('go')
      return `${winner}@${ctx.now().toISOString()}`
    }
    const flow = defineWorkflow({ name: 'clocked' }, body)
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock })
    const { execution_id } = await zart.schedule('clocked')
    await zart.drain()
    replaying = true
    await zart.deliverEvent(execution_id, 'go', {})
    await zart.drain()
    expect(seen.replay).toEqual(seen.firstRun)
    expect(seen.firstRun[0]).toMatch(/^fast@/)
    await zart.close()
  })

  it('ends a run whose race was won while the other branch still waits', async () => {
    const flow = defineWorkflow({ name: 'won' }, async (ctx) =>
      Promise.race([ctx.step('quick', () => slowly('quick', 20)), ctx.waitForEvent('never')]),
    )
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock: new FakeClock() })
    const { execution_id } = await zart.schedule('won')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({ status: 'completed', output: 'quick' })
    await zart.close()
  })

  it('finishes a run whose losing branch hangs once the grace period is over', async () => {
    const flow = defineWorkflow({ name: 'hung-loser' }, async (ctx) =>
      Promise.race([ctx.step('quick', () => 'quick'), ctx.step('hangs', () => new Promise<string>(() => {}))]),
    )
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock: new FakeClock() })
    const { execution_id } = await zart.schedule('hung-loser')
    await zart.drain({ graceMs: 100 })
    expect(await zart.status(execution_id)).toMatchObject({ status: 'completed', output: 'quick' })
    await zart.close()
  })
})
