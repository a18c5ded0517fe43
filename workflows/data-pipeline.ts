/**
 * A data pipeline with a human (or agent) in the loop: extract, transform and load, each
 * step's result persisted, then wait for an `approval` event before publishing. An agent
 * can schedule it in one session and approve it in another; the waiting execution is a
 * row in the database, not a running process.
 */
import { z } from 'zod'
import { defineWorkflow, EventTimeoutError } from '../src/index.ts'

const job = z.object({
  source: z.string().min(1).default('s3://example-bucket/orders.csv'),
  rows: z.number().int().min(1).max(10_000_000).default(1000),
  table: z.string().min(1).default('analytics.orders'),
})

const approval = z.object({
  approved: z.boolean(),
  note: z.string().optional(),
})

export const dataPipeline = defineWorkflow(
  {
    name: 'data-pipeline',
    description:
      'Extracts rows from a source, transforms and loads them into a table, then waits up to 24h for an "approval" event ({"approved": true}) before publishing.',
    timeout: '48h',
    input: job,
    events: { approval },
  },
  async (ctx, input) => {
    const extracted = await ctx.step('extract', () => warehouse.extract(input.source, input.rows))
    ctx.progress(0.25, `extracted ${extracted.rows} rows`)
    const transformed = await ctx.step('transform', () => warehouse.transform(extracted.rows))
    ctx.progress(0.5, `transformed: ${transformed.rows_out} kept, ${transformed.rows_rejected} rejected`)
    const loaded = await ctx.step('load', () => warehouse.load(input.table, transformed.rows_out))
    ctx.progress(0.75, `loaded into ${loaded.table}; waiting for approval`)

    let decision: z.output<typeof approval>
    try {
      decision = await ctx.waitForEvent<z.output<typeof approval>>('approval', { timeout: '24h' })
    } catch (error) {
      if (!(error instanceof EventTimeoutError)) throw error
      decision = { approved: false, note: 'no approval within 24h' }
    }
    const summary = {
      source: input.source,
      table: loaded.table,
      rows_extracted: extracted.rows,
      rows_rejected: transformed.rows_rejected,
      rows_written: loaded.rows_written,
      ...(decision.note !== undefined && { note: decision.note }),
    }
    if (!decision.approved) return { ...summary, published: false, status: 'not approved: loaded but not published' }

    const published = await ctx.step('publish', () => warehouse.publish(loaded.table, ctx.executionId))
    ctx.progress(1, `published ${loaded.table}`)
    return { ...summary, published: true, status: 'published', url: published.url }
  },
)

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A simulated warehouse: deterministic answers after a few milliseconds, no network. */
const warehouse = {
  async extract(source: string, rows: number) {
    await pause(3)
    return { source, rows }
  },
  async transform(rows: number) {
    await pause(3)
    // One row in a hundred fails validation, so the counts differ and the example shows it.
    const rejected = Math.floor(rows / 100)
    return { rows_in: rows, rows_out: rows - rejected, rows_rejected: rejected }
  },
  async load(table: string, rows: number) {
    await pause(3)
    return { table, rows_written: rows }
  },
  async publish(table: string, executionId: string) {
    await pause(2)
    return { url: `https://dashboards.example.com/${table}?run=${executionId}` }
  },
}
