import type { QueueDepth, WorkflowDepth } from './store.ts'

/**
 * A row of a store's QUEUE_DEPTH query: one workflow with something due or waiting. The
 * drivers may give counts as strings or bigints (mysql2's COUNT), so each is read as a number.
 */
export interface QueueDepthRow {
  workflow: string
  due: unknown
  oldest: unknown
  waiting: unknown
}

/** The per-workflow rows of one read, and their totals (the same read, so they agree). */
export function toQueueDepth(rows: QueueDepthRow[]): QueueDepth {
  const byWorkflow: WorkflowDepth[] = rows
    .map((row) => ({
      workflow: row.workflow,
      due: Number(row.due),
      oldestDueAt: row.oldest === null || row.oldest === undefined ? null : Number(row.oldest),
      waiting: Number(row.waiting),
    }))
    .sort((a, b) => (a.workflow < b.workflow ? -1 : a.workflow > b.workflow ? 1 : 0))
  let oldestDueAt: number | null = null
  for (const { oldestDueAt: at } of byWorkflow)
    if (at !== null && (oldestDueAt === null || at < oldestDueAt)) oldestDueAt = at
  return {
    due: byWorkflow.reduce((sum, w) => sum + w.due, 0),
    oldestDueAt,
    waiting: byWorkflow.reduce((sum, w) => sum + w.waiting, 0),
    byWorkflow,
  }
}
