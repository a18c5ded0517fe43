import { describe, expect, it } from 'vitest'
import { createZart, defineWorkflow, NonRetryableError, RetryConfig } from '../../src/index.ts'
import { retryDelay } from '../../src/engine/retry-policy.ts'
import { FakeClock } from '../helpers.ts'
import { eachBackend } from './each-backend.ts'

describe('retry policies', () => {
  it('computes fixed, linear and exponential delays with a cap and jitter', () => {
    expect([1, 2, 3].map((n) => retryDelay(RetryConfig.fixed(5, '2s'), n))).toEqual([2000, 2000, 2000])
    expect([1, 2, 3].map((n) => retryDelay(RetryConfig.linear(5, '1s'), n))).toEqual([1000, 2000, 3000])
    expect([1, 2, 3, 4].map((n) => retryDelay(RetryConfig.exponential(5, '1s', { maxDelay: '5s' }), n))).toEqual([
      1000, 2000, 4000, 5000,
    ])
    const jittered = RetryConfig.exponential(5, '1s', { jitter: 0.5 })
    expect(retryDelay(jittered, 2, () => 1)).toBe(1000)
    expect(retryDelay(jittered, 2, () => 0)).toBe(2000)
  })

  it('rejects nonsense policies', () => {
    expect(() => RetryConfig.fixed(0, '1s')).toThrow(/maxAttempts/)
    expect(() => RetryConfig.fixed(2, '1s', { jitter: 2 })).toThrow(/jitter/)
    expect(() => RetryConfig.fixed(2, 'soon')).toThrow(/not a duration/)
  })
})

eachBackend('step retries', (backend) => {
  it('reschedules in the database with exponential backoff, then succeeds', async () => {
    const clock = new FakeClock()
    const attempts: number[] = []
    const flow = defineWorkflow({ name: 'flaky' }, async (ctx) =>
      ctx.stepWithRetry('call', RetryConfig.exponential(4, '2s'), ({ attempt }) => {
        attempts.push(attempt)
        if (attempt < 3) throw new Error(`transient ${attempt}`)
        return 'ok'
      }),
    )
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock, random: () => 0 })
    const { execution_id } = await zart.schedule('flaky')
    await zart.drain()
    let status = await zart.status(execution_id, { includeSteps: true })
    expect(status.status).toBe('pending')
    expect(status.run_at).toBe(new Date(clock.now() + 2000).toISOString())
    expect(status.steps?.[0]).toMatchObject({ name: 'call', status: 'retrying', attempts: 1 })

    clock.advance(1999)
    await zart.drain()
    expect(attempts).toEqual([1])
    clock.advance(1)
    await zart.drain()
    expect(attempts).toEqual([1, 2])
    expect((await zart.status(execution_id)).run_at).toBe(new Date(clock.now() + 4000).toISOString())
    clock.advance('4s')
    await zart.drain()
    status = await zart.status(execution_id, { includeSteps: true })
    expect(status).toMatchObject({ status: 'completed', output: 'ok', attempt: 3 })
    expect(status.steps?.[0]).toMatchObject({ status: 'completed', attempts: 3 })
    expect(attempts).toEqual([1, 2, 3])
    await zart.close()
  })

  it('fails the step for good after the last attempt; the workflow may catch it', async () => {
    const clock = new FakeClock()
    const flow = defineWorkflow({ name: 'doomed' }, async (ctx) => {
      try {
        await ctx.step('call', () => Promise.reject(new Error('down')), { retry: RetryConfig.fixed(2, '1s') })
        return 'unreachable'
      } catch (error) {
        return `caught: ${(error as Error).message}`
      }
    })
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock })
    const { execution_id } = await zart.schedule('doomed')
    await zart.drain()
    clock.advance('1s')
    await zart.drain()
    const status = await zart.status(execution_id)
    expect(status).toMatchObject({ status: 'completed', output: 'caught: step "call" failed after 2 attempt(s): down' })
    await zart.close()
  })

  it('does not retry a NonRetryableError, and an uncaught step failure fails the execution', async () => {
    const clock = new FakeClock()
    let calls = 0
    const flow = defineWorkflow({ name: 'declined', maxRetries: 3 }, async (ctx) => {
      await ctx.stepWithRetry('charge', RetryConfig.fixed(5, '1s'), () => {
        calls++
        throw new NonRetryableError('card declined')
      })
    })
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock })
    const { execution_id } = await zart.schedule('declined')
    await zart.drain()
    const status = await zart.status(execution_id)
    expect(calls).toBe(1)
    expect(status.status).toBe('failed')
    expect(status.error).toMatchObject({ name: 'StepFailedError', step: 'charge', cause: { message: 'card declined' } })
    await zart.close()
  })

  it('retries the whole workflow after an error outside steps, up to maxRetries', async () => {
    const clock = new FakeClock()
    let runs = 0
    let stepRuns = 0
    const flow = defineWorkflow({ name: 'shaky', maxRetries: 2 }, async (ctx) => {
      await ctx.step('once', () => ++stepRuns)
      runs++
      if (runs < 3) throw new Error(`boom ${runs}`)
      return runs
    })
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock, random: () => 0 })
    const { execution_id } = await zart.schedule('shaky')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({ status: 'pending', error: { message: 'boom 1' } })
    clock.advance('1s')
    await zart.drain()
    clock.advance('2s')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({ status: 'completed', output: 3 })
    expect(stepRuns).toBe(1)

    const never = defineWorkflow({ name: 'never', maxRetries: 1 }, async () => {
      throw new Error('always')
    })
    const other = await createZart({ db: await backend.store(), workflows: [never], clock, random: () => 0 })
    const run = await other.schedule('never')
    await other.drain()
    clock.advance('1s')
    await other.drain()
    expect(await other.status(run.execution_id)).toMatchObject({ status: 'failed', error: { message: 'always' } })
    await Promise.all([zart.close(), other.close()])
  })
})
