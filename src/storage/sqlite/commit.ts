import type Database from 'better-sqlite3'
import { closingIds, decideCommit, inboxIds, lockIds, type InboxEvent } from '../commit-plan.ts'
import {
  childColumns,
  inboxEventColumns,
  stepColumns,
  toExecution,
  touchedColumns,
  updatedColumns,
  type ExecutionRow,
} from '../rows.ts'
import type { FencedWrite, WriteOutcome } from '../store.ts'
import * as q from './queries.ts'

/** An unread inbox event as LOCK_INBOX reads it. */
interface InboxRow {
  seq: number
  execution_id: string
  name: string
  payload_json: string
}

/**
 * Group commit inside the caller's write transaction (which already holds SQLite's one
 * write lock): read the batch's rows and inboxes, decide in commit-plan.ts (the one
 * meaning of a write every store shares), apply the changes.
 */
export function commitWrites(
  sql: (text: string) => Database.Statement,
  writes: readonly FencedWrite[],
): WriteOutcome[] {
  const rows = sql(q.LOCK_FOR_COMMIT).all(JSON.stringify(lockIds(writes))) as ExecutionRow[]
  // Only waits read the inbox: a batch of steps skips the query.
  const waiting = inboxIds(writes)
  const inboxRows = waiting.length === 0 ? [] : (sql(q.LOCK_INBOX).all(JSON.stringify(waiting)) as InboxRow[])
  const inbox = inboxRows.map((e): InboxEvent => ({
    seq: e.seq,
    executionId: e.execution_id,
    name: e.name,
    payloadJson: e.payload_json,
  }))
  const closing = closingIds(writes)
  const below = closing.length > 0 ? (sql(q.LOCK_CLOSING).all(JSON.stringify(closing)) as ExecutionRow[]) : []
  const { changes, outcomes } = decideCommit(
    writes,
    new Map(rows.map((r) => [r.id, toExecution(r)])),
    inbox,
    below.map(toExecution),
  )
  for (const touched of changes.touched) sql(q.TOUCH_EXECUTION).run(touchedColumns(touched))
  for (const execution of changes.executions) sql(q.UPDATE_EXECUTION).run(updatedColumns(execution))
  for (const { executionId, step } of changes.steps) sql(q.UPSERT_STEP).run(stepColumns(executionId, step))
  for (const { seq, by } of changes.consumed) sql(q.CONSUME_EVENT).run(by, seq)
  for (const child of changes.created) sql(q.INSERT_CHILD).run(childColumns(child))
  for (const event of changes.events) sql(q.INSERT_INBOX_EVENT).run(inboxEventColumns(event))
  return outcomes
}
