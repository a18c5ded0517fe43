import { z } from 'zod'
import { defineWorkflow } from '../src/index.ts'

/**
 * The workflow of the load benchmark: a step, then `count` "item" events, each after a
 * step, and the values in the order they arrived. A lost, doubled or reordered event
 * shows in the output, which the benchmark checks for every execution.
 */
export const loadCollect = defineWorkflow(
  {
    name: 'load-collect',
    input: z.object({ count: z.number().int().min(1).max(20) }),
    events: { item: z.object({ n: z.number().int() }) },
  },
  async (ctx, { count }) => {
    await ctx.step('start', () => Date.now())
    const values: number[] = []
    for (let i = 0; i < count; i++) {
      const item = await ctx.waitForEvent<{ n: number }>('item', { timeout: '1h' })
      values.push(await ctx.step('record', () => item.n))
    }
    return { values }
  },
)
