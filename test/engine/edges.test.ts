import { expect, it } from 'vitest'
import { z } from 'zod'
import { createZart, defineWorkflow, RetryConfig, StepFailedError } from '../../src/index.ts'
import type { FencedWrite, Store } from '../../src/storage/store.ts'
import { FakeClock } from '../helpers.ts'
import { eachBackend } from './each-backend.ts'

/** The store, refusing (as a database refuses a value) every commit with a write `refuse` picks. */
function refusing(store: Store, refuse: (write: FencedWrite) => boolean): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'commit') {
        const value: unknown = Reflect.get(target, property, receiver)
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
      }
      return async (writes: FencedWrite[]) => {
        if (writes.some(refuse)) {
          throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' })
        }
        return target.commit(writes)
      }
    },
  })
}

eachBackend('edge cases of a run', (backend) => {
  it('lets the deadline win over a retry delay planned after it', async () => {
    const clock = new FakeClock()
    const flow = defineWorkflow({ name: 'late-retry', timeout: '1m' }, async (ctx) =>
      ctx.step(
        'flaky',
        () => {
          throw new Error('down')
        },
        { retry: RetryConfig.fixed(3, '10m') },
      ),
    )
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock })
    const { execution_id } = await zart.schedule('late-retry')
    await zart.drain()
    const deadline = new Date(clock.now() + 60_000).toISOString()
    expect(await zart.status(execution_id)).toMatchObject({ status: 'pending', run_at: deadline, deadline })
    clock.advance('1m')
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({ status: 'timed_out' })
  })

  it('lets the deadline win over a whole-run retry planned after it', async () => {
    const clock = new FakeClock()
    let runs = 0
    // Whole-run retries back off 1 s, 2 s, 4 s...: the third (at 7 s) would come after the deadline.
    const flow = defineWorkflow({ name: 'late-rerun', timeout: '5s', maxRetries: 10 }, async () => {
      runs++
      throw new Error('outside any step')
    })
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock })
    const { execution_id } = await zart.schedule('late-rerun')
    const deadline = clock.now() + 5_000
    for (let i = 0; i < 2; i++) {
      await zart.drain()
      clock.advance(Date.parse((await zart.status(execution_id)).run_at ?? '') - clock.now())
    }
    await zart.drain()
    expect(runs).toBe(3)
    expect(await zart.status(execution_id)).toMatchObject({
      status: 'pending',
      run_at: new Date(deadline).toISOString(),
    })
    clock.advance(deadline - clock.now())
    await zart.drain()
    expect(await zart.status(execution_id)).toMatchObject({ status: 'timed_out' })
    expect(runs).toBe(3)
  })

  it('fails an execution whose worker died in the same place too many times, without running it again', async () => {
    const clock = new FakeClock()
    let runs = 0
    const flow = defineWorkflow({ name: 'deadly' }, async (ctx) => ctx.step('crash', () => ++runs))
    const store = await backend.store()
    const zart = await createZart({ db: store, workflows: [flow], clock })
    const { execution_id } = await zart.schedule('deadly')
    // Five workers claim it and die (their leases run out, nothing is recorded).
    for (let i = 0; i < 5; i++) {
      const claims = await store.claim({
        workerId: `dead-${i}`,
        limit: 1,
        now: clock.now(),
        leaseMs: 1000,
        workflows: ['deadly'],
      })
      expect(claims).toHaveLength(1)
      clock.advance('2s')
    }
    await zart.drain()
    const failed = await zart.status(execution_id)
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'WORKER_CRASH_LOOP', takeovers: 5 } })
    expect((failed.error as { message: string }).message).toMatch(/died or hung 5 times in a row/)
    expect(runs).toBe(0)
  })

  it('refuses a wait on an event name delivery would refuse, or one the workflow does not declare', async () => {
    const spaced = defineWorkflow({ name: 'spaced' }, async (ctx) => ctx.waitForEvent('order shipped'))
    const undeclared = defineWorkflow({ name: 'undeclared', events: { shipped: z.object({}) } }, async (ctx) =>
      ctx.waitForEvent('shiped'),
    )
    const zart = await createZart({
      db: await backend.store(),
      workflows: [spaced, undeclared],
      clock: new FakeClock(),
    })
    const a = await zart.schedule('spaced')
    const b = await zart.schedule('undeclared')
    await zart.drain()
    expect(await zart.status(a.execution_id)).toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/event name/) },
    })
    expect(await zart.status(b.execution_id)).toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/"shiped", which it does not declare.*"shipped"/) },
    })
  })

  it('fails only the step whose result the database refuses, with the reason; the workflow may catch it', async () => {
    const flow = defineWorkflow({ name: 'refused' }, async (ctx) => {
      const ok = await ctx.step('fine', () => 'ok')
      try {
        await ctx.step('bad', () => 'unstorable')
      } catch (error) {
        if (error instanceof StepFailedError) return { ok, refused: error.cause.message }
        throw error
      }
      return { ok, refused: null }
    })
    const other = defineWorkflow({ name: 'other' }, async (ctx) => ctx.step('fine', () => 'other ok'))
    const store = refusing(await backend.store(), (w) => w.kind === 'step' && w.step.outputJson === '"unstorable"')
    const zart = await createZart({ db: store, workflows: [flow, other], clock: new FakeClock() })
    const a = await zart.schedule('refused')
    const b = await zart.schedule('other')
    await zart.drain()
    expect(await zart.status(a.execution_id)).toMatchObject({
      status: 'completed',
      output: { ok: 'ok', refused: expect.stringMatching(/refused to store step "bad".*invalid byte sequence/) },
    })
    expect(await zart.status(b.execution_id)).toMatchObject({ status: 'completed', output: 'other ok' })
  })
})

eachBackend('operator logs', (backend) => {
  it('logs each step failure, each retry scheduled and each finished execution', async () => {
    const lines: { level: string; message: string; fields: Record<string, unknown> }[] = []
    const log =
      (level: string) =>
      (message: string, fields: Record<string, unknown> = {}) =>
        void lines.push({ level, message, fields })
    const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
    const clock = new FakeClock()
    const flow = defineWorkflow({ name: 'flaky-once' }, async (ctx) =>
      ctx.step(
        'call',
        ({ attempt }) => {
          if (attempt === 1) throw new Error('timeout talking to the bank')
          return 'ok'
        },
        { retry: RetryConfig.fixed(2, '1s') },
      ),
    )
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock, logger })
    const { execution_id } = await zart.schedule('flaky-once')
    await zart.drain()
    clock.advance('1s')
    await zart.drain()
    const seen = lines.map((l) => [l.level, l.message])
    expect(seen).toEqual(
      expect.arrayContaining([
        ['warn', 'step failed; retrying'],
        ['info', 'step retry scheduled'],
        ['info', 'execution finished'],
      ]),
    )
    expect(lines.find((l) => l.message === 'step failed; retrying')?.fields).toMatchObject({
      execution: execution_id,
      step: 'call',
      attempt: 1,
      error: 'timeout talking to the bank',
    })
    expect(lines.find((l) => l.message === 'execution finished')?.fields).toMatchObject({
      status: 'completed',
      duration_ms: 1000,
    })
    await zart.close()
  })
})

eachBackend('what a caller is told', (backend) => {
  it("keeps every failed attempt's error with the step, and says what an execution waits for on a buffered event", async () => {
    const clock = new FakeClock()
    const flow = defineWorkflow({ name: 'bumpy' }, async (ctx) => {
      await ctx.step(
        'call',
        ({ attempt }) => {
          if (attempt < 3) throw new Error(`refused ${attempt}`)
          return 'ok'
        },
        { retry: RetryConfig.fixed(3, '1s') },
      )
      return ctx.waitForEvent('approval')
    })
    const zart = await createZart({ db: await backend.store(), workflows: [flow], clock })
    const { execution_id } = await zart.schedule('bumpy')
    await zart.drain()
    const retrying = await zart.status(execution_id, { includeSteps: true })
    expect(retrying.steps?.[0]).toMatchObject({
      status: 'retrying',
      error: { message: 'refused 1', history: [{ attempt: 1, message: 'refused 1' }] },
    })
    for (let i = 0; i < 2; i++) {
      clock.advance('1s')
      await zart.drain()
    }
    const waiting = await zart.status(execution_id, { includeSteps: true })
    expect(waiting.steps?.[0]).toMatchObject({
      status: 'completed',
      attempts: 3,
      errors: [
        { attempt: 1, message: 'refused 1' },
        { attempt: 2, message: 'refused 2' },
      ],
    })
    // A misspelt event name is kept, and the answer says what the execution waits for.
    expect(await zart.deliverEvent(execution_id, 'aproval', {})).toEqual({
      result: 'buffered',
      status: 'waiting',
      waiting_for: ['approval'],
    })
    await zart.close()
  })
})
