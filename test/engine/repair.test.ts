import { expect, it } from 'vitest'
import { createZart, defineWorkflow } from '../../src/index.ts'
import { FakeClock } from '../helpers.ts'
import { eachBackend } from './each-backend.ts'

eachBackend('repair', (backend) => {
  it('retries a failed execution from where it failed: completed steps are not run again', async () => {
    const runs: string[] = []
    let broken = true
    const flow = defineWorkflow({ name: 'etl' }, async (ctx) => {
      const a = await ctx.step('extract', () => (runs.push('extract'), 1))
      const b = await ctx.step('load', () => {
        runs.push('load')
        if (broken) throw new Error('warehouse down')
        return a + 1
      })
      return { b }
    })
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock: new FakeClock() })
    const { execution_id } = await zart.schedule('etl')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({ status: 'failed', attempt: 1 })
    await expect(zart.retry('nope')).rejects.toMatchObject({ code: 'EXECUTION_NOT_FOUND' })
    broken = false
    expect(await zart.retry(execution_id)).toMatchObject({ status: 'pending' })
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({ status: 'completed', output: { b: 2 }, attempt: 2 })
    expect(runs).toEqual(['extract', 'load', 'load'])
    await expect(zart.retry(execution_id)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/is completed: only a failed, timed_out or cancelled execution can be retried/),
    })
    await zart.close()
  })

  it('retries a timed-out execution with a new deadline', async () => {
    const clock = new FakeClock()
    const flow = defineWorkflow({ name: 'approval', timeout: '1h' }, async (ctx) => ctx.waitForEvent('ok'))
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock })
    const { execution_id } = await zart.schedule('approval')
    await zart.drain()
    clock.advance('1h')
    await zart.drain()
    expect((await zart.status(execution_id)).status).toBe('timed_out')
    const retried = await zart.retry(execution_id, { timeout: '2h' })
    expect(retried.deadline).toBe(new Date(clock.now() + 7_200_000).toISOString())
    await zart.drain()
    await zart.deliverEvent(execution_id, 'ok', 'yes')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({ status: 'completed', output: 'yes' })
    await zart.close()
  })

  it('pauses: not claimed until resumed; a running one stops after the step in flight', async () => {
    const runs: string[] = []
    const ref: { zart?: Awaited<ReturnType<typeof createZart>> } = {}
    let id = ''
    const flow = defineWorkflow({ name: 'two' }, async (ctx) => {
      await ctx.step('first', async () => {
        runs.push('first')
        await ref.zart?.pause(id) // paused while this step runs: it still finishes and is recorded
        return 1
      })
      return ctx.step('second', () => (runs.push('second'), 2))
    })
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock: new FakeClock() })
    ref.zart = zart
    id = (await zart.schedule('two')).execution_id
    await zart.drain()
    const paused = await zart.status(id, { includeSteps: true })
    expect(paused).toMatchObject({ status: 'pending', paused: true })
    expect(paused.steps?.map((s) => [s.name, s.status])).toEqual([['first', 'completed']])
    expect(await zart.drain()).toBe(0)
    expect(runs).toEqual(['first'])
    expect((await zart.resume(id)).paused).toBeUndefined()
    await zart.drain()
    expect(await zart.status(id)).toMatchObject({ status: 'completed', output: 2 })
    expect(runs).toEqual(['first', 'second'])
    await expect(zart.pause(id)).rejects.toMatchObject({ code: 'EXECUTION_TERMINAL' })
    await zart.close()
  })

  it('reruns from a step: earlier steps replay, that step and the rest run anew with new input', async () => {
    const runs: string[] = []
    const flow = defineWorkflow({ name: 'report' }, async (ctx, input: { month: string }) => {
      const rows = await ctx.step('extract', () => (runs.push('extract'), 42))
      const total = await ctx.step('aggregate', () => (runs.push(`aggregate ${input.month}`), rows * 2))
      return ctx.step('publish', () => (runs.push('publish'), `${input.month}: ${total}`))
    })
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock: new FakeClock() })
    const { execution_id } = await zart.schedule('report', { month: 'may' })
    await zart.drain()
    expect((await zart.status(execution_id)).output).toBe('may: 84')
    await expect(zart.rerun(execution_id, { fromStep: 'agregate' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/has no step "agregate": its steps are extract, aggregate, publish/),
    })
    const fork = await zart.rerun(execution_id, { fromStep: 'aggregate', data: { month: 'june' }, id: 'report-june' })
    expect(fork).toMatchObject({ id: 'report-june', status: 'pending', rerun_of: execution_id })
    await zart.drain()
    expect(await zart.status('report-june')).toMatchObject({
      status: 'completed',
      output: 'june: 84',
      input: { month: 'june' },
    })
    expect(runs).toEqual(['extract', 'aggregate may', 'publish', 'aggregate june', 'publish'])
    expect((await zart.status(execution_id)).output).toBe('may: 84')
    await expect(zart.rerun(execution_id, { fromStep: 'aggregate', id: 'report-june' })).rejects.toMatchObject({
      code: 'ID_CONFLICT',
    })
    await zart.close()
  })
})
