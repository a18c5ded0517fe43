import type pg from 'pg'
import { decideCommit, inboxIds, lockIds, type InboxEvent } from '../commit-plan.ts'
import { stepColumns, toExecution, updatedColumns, type ExecutionRow } from '../rows.ts'
import type { FencedWrite, WriteOutcome } from '../store.ts'
import * as q from './queries.ts'

/** An unread inbox event as LOCK_FOR_COMMIT reads it. */
interface InboxRow {
  seq: number
  execution_id: string
  name: string
  payload_json: string
}

/**
 * Group commit inside the caller's transaction: lock and read the batch's rows and
 * inboxes, decide in commit-plan.ts (the one meaning of a write every store shares), then
 * apply the changes set-wide in one statement.
 */
export async function commitWrites(client: pg.PoolClient, writes: readonly FencedWrite[]): Promise<WriteOutcome[]> {
  const locked = await client.query<{ rows: ExecutionRow[]; inbox: InboxRow[] }>({
    ...q.LOCK_FOR_COMMIT,
    values: [lockIds(writes), inboxIds(writes)],
  })
  const { rows = [], inbox = [] } = locked.rows[0] ?? {}
  const { changes, outcomes } = decideCommit(
    writes,
    new Map(rows.map((r) => [r.id, toExecution(r)])),
    inbox.map((e): InboxEvent => ({
      seq: Number(e.seq),
      executionId: e.execution_id,
      name: e.name,
      payloadJson: e.payload_json,
    })),
  )
  await client.query({
    ...q.APPLY_COMMIT,
    values: [
      JSON.stringify(changes.executions.map(updatedColumns)),
      JSON.stringify(changes.steps.map((s) => stepColumns(s.executionId, s.step))),
      JSON.stringify(changes.consumed.map((c) => ({ seq: c.seq, consumed_by: c.by }))),
      JSON.stringify(changes.touched),
    ],
  })
  return outcomes
}
