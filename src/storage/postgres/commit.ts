import type pg from 'pg'
import { closingIds, decideCommit, inboxIds, lockIds, type Committed, type InboxEvent } from '../commit-plan.ts'
import { singleWrite, type KnownDecision, type SingleWrite } from '../known-rows.ts'
import {
  childColumns,
  inboxEventColumns,
  STEP_COLUMNS,
  stepColumns,
  toExecution,
  touchedColumns,
  UPDATED_COLUMNS,
  updatedColumns,
  type ExecutionRow,
} from '../rows.ts'
import type { ExecutionRecord, FencedWrite } from '../store.ts'
import * as q from './queries.ts'
import type { KeptConnection } from './kept-connection.ts'
import type { CommandValue } from './command.ts'

/** What zart_lock_for_commit returns. */
interface Locked {
  rows: ExecutionRow[]
  inbox: { seq: number; execution_id: string; name: string; payload_json: string }[]
}

/**
 * A batch decided against known rows (see src/storage/known-rows.ts), applied in one
 * prepared call and its own transaction if every fence holds (migrations 0019 and 0021). False: a
 * fence failed and nothing was written; the batch takes `commitWrites`.
 */
export async function commitKnown(statements: KeptConnection, decision: KnownDecision): Promise<boolean> {
  const single = singleWrite(decision)
  if (single) {
    const [query, values] = singleStatement(single)
    return (await statements.command(query, values)) === 1
  }
  const { changes, rows } = decision
  // Each row carries the token its fence checks.
  const token = (id: string) => rows.get(id)?.leaseToken
  try {
    await statements.query({
      ...q.COMMIT_KNOWN,
      values: [
        JSON.stringify(changes.touched.map((t) => ({ ...touchedColumns(t), token: token(t.id) }))),
        JSON.stringify(changes.executions.map((e) => ({ ...updatedColumns(e), token: token(e.id) }))),
        JSON.stringify(changes.steps.map((s) => stepColumns(s.executionId, s.step))),
      ],
    })
    return true
  } catch (error) {
    if ((error as { code?: unknown }).code === FENCE_FAILED) return false
    throw error
  }
}

/**
 * A batch of one execution and at most one step as one prepared statement with plain
 * parameters (KNOWN_TOUCH or KNOWN_MOVE, with or without a step): the same fence and
 * writes as zart_commit_known without the function call and the JSON. Its row count says
 * whether the fence held.
 */
function singleStatement({ id, token, touched, moved, step }: SingleWrite): [q.NamedQuery, CommandValue[]] {
  const columns = step && stepColumns(id, step)
  const stepValues = columns ? STEP_COLUMNS.slice(1).map((column) => columns[column] as CommandValue) : []
  if (touched) {
    const { current_step, takeovers, progress_json, updated_at } = touchedColumns(touched)
    const values = [id, token, current_step, takeovers, progress_json, updated_at, ...stepValues]
    return [columns ? q.KNOWN_TOUCH_STEP : q.KNOWN_TOUCH, values]
  }
  const row = updatedColumns(moved as ExecutionRecord)
  const values = [id, token, ...UPDATED_COLUMNS.map((column) => row[column] as CommandValue), ...stepValues]
  return [columns ? q.KNOWN_MOVE_STEP : q.KNOWN_MOVE, values]
}

/** What zart_commit_known raises when a row is not as known (migrations 0019 and 0021). */
const FENCE_FAILED = 'ZK001'

/**
 * Group commit in one transaction of two round trips: BEGIN with the lock-and-read of the
 * batch's rows and inboxes; then, once commit-plan.ts has decided what every write does
 * (the one meaning of a write every store shares), the apply with COMMIT. The caller rolls
 * back on error.
 */
export async function commitWrites(client: pg.PoolClient, writes: readonly FencedWrite[]): Promise<Committed> {
  // Each value goes in as one JSON document quoted by the driver: no other text is spliced.
  const inline = (text: string, values: unknown[]) =>
    text.replace(/\$(\d+)/g, (_, n: string) => client.escapeLiteral(JSON.stringify(values[Number(n) - 1])))
  const closing = closingIds(writes)
  const lock = closing.length > 0 ? `${q.BEGIN_AND_LOCK}; ${q.LOCK_CLOSING}` : q.BEGIN_AND_LOCK
  const opened = (await client.query(inline(lock, [lockIds(writes), inboxIds(writes), closing]))) as unknown as [
    pg.QueryResult,
    pg.QueryResult<{ locked: Locked }>,
    pg.QueryResult<ExecutionRow>?,
  ]
  const { rows, inbox } = opened[1]?.rows[0]?.locked ?? { rows: [], inbox: [] }
  let below = opened[2]?.rows ?? []
  // The lookup read the tree from its statement's snapshot: a grandchild that a child's
  // commit started while this one waited for that child's row lock is not in it. Read
  // again, holding the locks (a locked execution starts no child), until nothing new shows.
  while (below.length > 0) {
    const again = await client.query<ExecutionRow>(inline(q.LOCK_CLOSING, [null, null, closing]))
    if (again.rows.length === below.length) break
    below = again.rows
  }
  const locked = new Map(rows.map((r) => [r.id, toExecution(r)]))
  const { changes, outcomes } = decideCommit(
    writes,
    locked,
    inbox.map((e): InboxEvent => ({
      seq: Number(e.seq),
      executionId: e.execution_id,
      name: e.name,
      payloadJson: e.payload_json,
    })),
    below.map(toExecution),
  )
  const children = changes.created.length > 0 || changes.events.length > 0
  await client.query(
    inline(children ? q.APPLY_WITH_CHILDREN_AND_COMMIT : q.APPLY_AND_COMMIT, [
      changes.touched.map(touchedColumns),
      changes.executions.map(updatedColumns),
      changes.steps.map((s) => stepColumns(s.executionId, s.step)),
      changes.consumed.map((c) => ({ seq: c.seq, consumed_by: c.by })),
      changes.created.map(childColumns),
      changes.events.map(inboxEventColumns),
    ]),
  )
  return { outcomes, rows: locked, changes }
}
