/**
 * Workflows the benchmarks run, loaded both in-process and by `zart worker` children.
 * Steps do no outside work, so the figures measure the engine and the database.
 */
import { appendFileSync } from 'node:fs'
import { defineWorkflow } from '../src/index.ts'

/** The 3-step workflow of the engine benchmark. */
export const threeSteps = defineWorkflow({ name: 'bench-three-steps' }, async (ctx, input: { n: number }) => {
  const a = await ctx.step('extract', () => ({ rows: input.n }))
  const b = await ctx.step('transform', () => ({ rows: a.rows * 2 }))
  const c = await ctx.step('load', () => ({ written: b.rows + 1 }))
  return c
})

/** Waits for `go`, then records when it resumed (for event → resume latency). */
export const resumeProbe = defineWorkflow({ name: 'bench-resume' }, async (ctx) => {
  await ctx.waitForEvent('go')
  await ctx.step('resumed', () => {
    const at = performance.timeOrigin + performance.now()
    const log = process.env.ZART_BENCH_RESUME_LOG
    if (log) appendFileSync(log, `${ctx.executionId} ${at}\n`)
    resumed.get(ctx.executionId)?.(at)
    return at
  })
})

/** Parks forever on an event: the waiting executions of the memory benchmark. */
export const parked = defineWorkflow({ name: 'bench-parked' }, async (ctx) => ctx.waitForEvent('never'))

/** One step and done: warms a worker up before the memory benchmark measures it idle. */
export const warmUp = defineWorkflow({ name: 'bench-warm-up' }, async (ctx) => ctx.step('noop', () => 1))

/** In-process listeners for `resumeProbe`, keyed by execution id. */
export const resumed = new Map<string, (at: number) => void>()

/** One step: a child of the fan-out benchmark, and the baseline run as independent executions. */
export const fanChild = defineWorkflow({ name: 'bench-fan-child' }, async (ctx, input: { i: number }) =>
  ctx.step('work', () => input.i * 2),
)

/** Starts `children` children at once and sums what they return: fan-out and fan-in. */
export const fanOut = defineWorkflow({ name: 'bench-fan-out' }, async (ctx, input: { children: number }) => {
  const values = await Promise.all(
    Array.from({ length: input.children }, (_, i) => ctx.child(fanChild, { i }, { id: `c${i}` })),
  )
  return values.reduce((a, b) => a + b, 0)
})
