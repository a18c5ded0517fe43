import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { loadMigrations } from '../../src/storage/migrations.ts'
import * as q from '../../src/storage/sqlite/queries.ts'

/**
 * What a worker asks on every poll must cost the rows that are due, not every execution
 * ever run: with the workflow index, SQLite walked all rows of the workflow (completed
 * ones too) on each claim and each idle sleep.
 */
describe('SQLite polling queries', () => {
  const db = new Database(':memory:')
  for (const migration of loadMigrations('sqlite')) db.exec(migration.sql)
  const plan = (sql: string, params: Record<string, unknown> | unknown[]) =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail).join('; ')
  const workflows = JSON.stringify(['a', 'b'])

  it('finds due work through the due-time index', () => {
    expect(plan(q.SELECT_DUE_UNQUEUED, { now: 1, workflows, versions: null, limit: 1 })).toMatch(
      /USING INDEX zart_executions_due/,
    )
  })

  it('finds the next due time through the due-time index', () => {
    expect(plan(q.NEXT_DUE, [workflows])).toMatch(/USING INDEX zart_executions_due/)
  })
  it('counts the queue depth per workflow through the due-time and status indexes', () => {
    const steps = plan(q.QUEUE_DEPTH, { now: 1 })
    expect(steps).toMatch(/SEARCH zart_executions USING INDEX zart_executions_due \(due_at<\?\)/)
    expect(steps).toMatch(/zart_executions USING INDEX zart_executions_queue_due/)
    expect(steps).toMatch(/SEARCH zart_executions USING INDEX zart_executions_status \(status=\?\)/)
    expect(steps).not.toMatch(/SCAN zart_executions/)
  })
})
