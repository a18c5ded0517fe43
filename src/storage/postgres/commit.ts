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
 * Group commit in one transaction and two round trips: BEGIN with the lock-and-read of
 * the batch's rows and inboxes; then, once commit-plan.ts has decided what every write
 * does (the one meaning of a write every store shares), the set-wide apply with COMMIT.
 *
 * node-postgres sends one statement per round trip with parameters, and a transaction
 * needs four (BEGIN, lock, apply, COMMIT); several statements in one round trip go by the
 * simple protocol, which takes no parameters. So each parameter here is one JSON document
 * quoted by the driver's own `escapeLiteral`, and cast to jsonb where the query used `$n`.
 */
export async function commitWrites(client: pg.PoolClient, writes: readonly FencedWrite[]): Promise<WriteOutcome[]> {
  const inline = (text: string, values: unknown[]) =>
    text.replace(/\$(\d+)/g, (_, n: string) => client.escapeLiteral(JSON.stringify(values[Number(n) - 1])))
  const opened = (await client.query(
    `BEGIN; ${inline(q.LOCK_FOR_COMMIT.text, [lockIds(writes), inboxIds(writes)])}`,
  )) as unknown as pg.QueryResult<{ rows: ExecutionRow[]; inbox: InboxRow[] }>[]
  const { rows = [], inbox = [] } = opened[1]?.rows[0] ?? {}
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
  await client.query(
    `${inline(q.APPLY_COMMIT.text, [
      changes.executions.map(updatedColumns),
      changes.steps.map((s) => stepColumns(s.executionId, s.step)),
      changes.consumed.map((c) => ({ seq: c.seq, consumed_by: c.by })),
      changes.touched,
    ])}; COMMIT`,
  )
  return outcomes
}
