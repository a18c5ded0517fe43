import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createZart } from '../../src/index.ts'
import { dataPipeline } from '../../workflows/data-pipeline.ts'
import { tempDir } from '../helpers.ts'
import { json, runZart } from '../fixtures/zart-process.ts'

interface Page {
  executions: { id: string; status: string; workflow: string }[]
  next_cursor: string | null
}

/** A fresh database URL and the global flags that point the CLI at it. */
function fresh(): { db: string; flags: string[] } {
  const db = `sqlite:${join(tempDir(), 'zart.db')}`
  return { db, flags: ['--db', db] }
}

describe('zart CLI commands', () => {
  it('migrate applies the schema once; running it again is harmless', async () => {
    const { flags } = fresh()
    const first = await runZart(['migrate', ...flags])
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(
      /^applied 0001_init\napplied 0002_safe_replay\napplied 0003_progress\napplied 0004_workers\napplied 0005_tasks\napplied 0006_worker_scope\napplied 0007_pause\napplied 0008_rerun\n/,
    )
    const second = await runZart(['migrate', ...flags])
    expect(second.code).toBe(0)
    expect(second.stdout).toMatch(/^no pending migrations; schema is at 0011_queues/)
  })

  it('workflows lists names, options and JSON Schemas', async () => {
    const run = await runZart(['workflows'], { env: { ZART_HOME: tempDir() } })
    expect(run.code).toBe(0)
    const workflows =
      json<{ name: string; timeout_ms: number | null; input_schema: { properties?: object }; events: object }[]>(run)
    expect(workflows.map((w) => w.name).sort()).toEqual(['checkout', 'data-pipeline', 'onboarding'])
    const pipeline = workflows.find((w) => w.name === 'data-pipeline')
    expect(pipeline?.timeout_ms).toBe(48 * 3_600_000)
    expect(Object.keys(pipeline?.input_schema.properties ?? {})).toEqual(['source', 'rows', 'table'])
    expect(pipeline?.events).toHaveProperty('approval.properties.approved.type', 'boolean')
  })

  it('schedule is idempotent by id and by idempotency key', async () => {
    const { flags } = fresh()
    const schedule = (...args: string[]) => runZart(['schedule', 'checkout', ...flags, ...args])
    const first = await schedule('--id', 'order-7', '--data', '{"order_id":"o-7"}', '--json')
    expect(json(first)).toEqual({ execution_id: 'order-7', status: 'pending', created: true })
    const again = await schedule('--id', 'order-7', '--data', '{"order_id":"o-7"}', '--json')
    expect(json(again)).toEqual({ execution_id: 'order-7', status: 'pending', created: false })
    const conflict = await schedule('--id', 'order-7', '--data', '{"order_id":"o-8"}')
    expect(conflict.code).toBe(2)
    expect(conflict.stderr).toMatch(
      /^error: execution id "order-7" already exists with a different workflow or input.*\n$/,
    )

    const [byKey, byKeyAgain] = await Promise.all([
      schedule('--idempotency-key', 'cart-55', '--json'),
      schedule('--idempotency-key', 'cart-55', '--json'),
    ])
    const a = json<{ execution_id: string; created: boolean }>(byKey)
    const b = json<{ execution_id: string; created: boolean }>(byKeyAgain)
    expect(a.execution_id).toBe(b.execution_id)
    expect([a.created, b.created].sort()).toEqual([false, true])
  })

  it('list pages newest first by cursor, filters, and prints a table', async () => {
    const { db, flags } = fresh()
    const zart = await createZart({ db, workflows: [dataPipeline] })
    for (let i = 1; i <= 5; i++) await zart.schedule('data-pipeline', { rows: i }, { id: `run-${i}` })
    await zart.cancel('run-2')
    await zart.close()

    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const run = await runZart(['list', ...flags, '--limit', '2', '--json', ...(cursor ? ['--cursor', cursor] : [])])
      expect(run.code).toBe(0)
      const page = json<Page>(run)
      expect(page.executions.length).toBeLessThanOrEqual(2)
      seen.push(...page.executions.map((e) => e.id))
      cursor = page.next_cursor
      pages++
    } while (cursor !== null && pages < 10)
    expect(seen).toEqual(['run-5', 'run-4', 'run-3', 'run-2', 'run-1'])
    expect(pages).toBe(3)

    const cancelled = json<Page>(await runZart(['list', ...flags, '--status', 'cancelled', '--json']))
    expect(cancelled).toEqual({
      executions: [expect.objectContaining({ id: 'run-2', status: 'cancelled' })],
      next_cursor: null,
    })
    const other = json<Page>(await runZart(['list', ...flags, '--workflow', 'checkout', '--json']))
    expect(other).toEqual({ executions: [], next_cursor: null })

    const table = await runZart(['list', ...flags, '--limit', '3'])
    const lines = table.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^ID\s+WORKFLOW\s+STATUS\s+STEP\s+UPDATED$/)
    expect(lines.slice(1, 4).map((l) => l.split(/\s+/)[0])).toEqual(['run-5', 'run-4', 'run-3'])
    expect(lines[4]).toMatch(/^more: zart list --cursor \S+$/)
  })

  it('cancel stops an execution; wait then exits 1, and a wait that times out exits 3', async () => {
    const { flags } = fresh()
    await runZart(['schedule', 'onboarding', ...flags, '--id', 'user-1'])
    await runZart(['schedule', 'onboarding', ...flags, '--id', 'user-2'])

    // No worker runs here, so user-2 stays pending and the wait gives up.
    const timedOut = await runZart(['wait', 'user-2', ...flags, '--timeout', '0.3'])
    expect(timedOut.code).toBe(3)
    expect(json(timedOut)).toMatchObject({ id: 'user-2', status: 'pending' })

    const cancelled = await runZart(['cancel', 'user-1', ...flags])
    expect(cancelled).toMatchObject({ code: 0, stdout: 'cancelled | execution_id: user-1\n' })
    const waited = await runZart(['wait', 'user-1', ...flags])
    expect(waited.code).toBe(1)
    expect(json(waited)).toMatchObject({ status: 'cancelled', error: { name: 'CancelledError' } })
    const twice = await runZart(['cancel', 'user-1', ...flags])
    expect(twice.code).toBe(2)
    expect(twice.stderr).toMatch(/^error: execution "user-1" is already cancelled/)
  })

  it('event keeps an early event for a later wait and reports a repeated event id as duplicate', async () => {
    const { flags } = fresh()
    await runZart(['schedule', 'data-pipeline', ...flags, '--id', 'early'])
    const args = ['event', 'early', 'approval', ...flags, '--data', '{"approved":false}', '--event-id', 'ev-1']
    expect(await runZart(args)).toMatchObject({ code: 0, stdout: 'buffered\n' })
    expect(await runZart(args)).toMatchObject({ code: 0, stdout: 'duplicate\n' })
  })
})
