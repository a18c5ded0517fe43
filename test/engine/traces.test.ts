import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { context, SpanStatusCode, trace } from '@opentelemetry/api'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createZart, defineWorkflow, RetryConfig } from '../../src/index.ts'
import { formatTraceparent, parseTraceparent } from '../../src/engine/telemetry.ts'
import { FakeClock } from '../helpers.ts'
import { eachBackend } from './each-backend.ts'

const exporter = new InMemorySpanExporter()

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
})
afterAll(() => {
  trace.disable()
  context.disable()
})
beforeEach(() => exporter.reset())

const CALLER = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'

const spans = (prefix: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name.startsWith(prefix))
const parentOf = (span: ReadableSpan | undefined) => span?.parentSpanContext?.spanId

const flaky = defineWorkflow({ name: 'traced' }, async (ctx) => {
  const a = await ctx.stepWithRetry('fetch', RetryConfig.fixed(2, '1s'), ({ attempt }) => {
    if (attempt === 1) throw new Error('fetch failed once')
    return 1
  })
  const approved = await ctx.waitForEvent<boolean>('approve')
  await ctx.step('publish', () => {
    if (!approved) throw new Error('not approved')
    return a
  })
})

eachBackend('traces', (backend) => {
  it('a span per run and per step attempt, children of the scheduling call, errors recorded', async () => {
    const clock = new FakeClock()
    const zart = await createZart({ db: await backend.store(), workflows: [flaky], clock })
    const { execution_id } = await zart.schedule('traced', {}, { traceparent: CALLER })
    await zart.drain()
    clock.advance('1s')
    await zart.drain()
    await zart.deliverEvent(execution_id, 'approve', false)
    await zart.drain()
    expect((await zart.status(execution_id)).status).toBe('failed')

    const [schedule] = spans('schedule ')
    expect(schedule?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c')
    expect(parentOf(schedule)).toBe('b7ad6b7169203331')
    // Three runs (to the retry delay, to the wait, to the end), all children of the schedule span.
    const runs = spans('run ')
    expect(runs.map((r) => r.attributes['zart.status'])).toEqual(['suspended', 'suspended', 'failed'])
    for (const run of runs) {
      expect(parentOf(run)).toBe(schedule?.spanContext().spanId)
      expect(run.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c')
      expect(run.attributes).toMatchObject({ 'zart.workflow': 'traced', 'zart.execution.id': execution_id })
    }
    expect(runs.map((r) => r.attributes['zart.attempt'])).toEqual([1, 2, 3])
    expect(runs[2]?.status.code).toBe(SpanStatusCode.ERROR)
    expect(runs[2]?.events.some((e) => e.name === 'exception')).toBe(true)

    const steps = spans('step ')
    expect(steps.map((s) => [s.name, s.attributes['zart.attempt'], s.attributes['zart.status']])).toEqual([
      ['step fetch', 1, 'retrying'],
      ['step fetch', 2, 'completed'],
      ['step publish', 1, 'failed'],
    ])
    expect(parentOf(steps[0])).toBe(runs[0]?.spanContext().spanId)
    expect(parentOf(steps[1])).toBe(runs[1]?.spanContext().spanId)
    expect(steps[0]?.attributes).toMatchObject({ 'zart.step': 'fetch', 'zart.execution.id': execution_id })
    const failed = steps[2]
    expect(failed?.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'not approved' })
    expect(failed?.events[0]?.attributes?.['exception.message']).toBe('not approved')
    expect(steps[1]?.status.code).toBe(SpanStatusCode.UNSET)
    await zart.close()
  })
})

describe('trace context', () => {
  it('comes from the active context when scheduling through the client API', async () => {
    const zart = await createZart({ db: 'sqlite::memory:', workflows: [flaky] })
    const tracer = trace.getTracer('test')
    const caller = await tracer.startActiveSpan('caller', async (span) => {
      await zart.schedule('traced')
      span.end()
      return span
    })
    await zart.drain()
    const [schedule] = spans('schedule ')
    expect(parentOf(schedule)).toBe(caller.spanContext().spanId)
    const [run] = spans('run ')
    expect(parentOf(run)).toBe(schedule?.spanContext().spanId)
    await zart.close()
  })

  it('ignores a malformed traceparent, as the W3C spec asks', () => {
    for (const bad of [
      'junk',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331',
      '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra',
    ]) {
      expect(parseTraceparent(bad), bad).toBeUndefined()
    }
    const parsed = parseTraceparent(CALLER)
    expect(parsed && formatTraceparent(parsed)).toBe(CALLER)
    // A later version may append fields; its first four are read.
    expect(parseTraceparent('01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-later')).toBeDefined()
  })
})
