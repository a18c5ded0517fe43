import type mysql from 'mysql2/promise'
import {
  closingIds,
  decideCommit,
  inboxIds,
  lockIds,
  type Committed,
  type InboxEvent,
  type NewInboxEvent,
} from '../commit-plan.ts'
import {
  CHILD_COLUMNS,
  childColumns,
  INBOX_EVENT_COLUMNS,
  inboxEventColumns,
  STEP_COLUMNS,
  stepColumns,
  toExecution,
  touchedColumns,
  UPDATED_COLUMNS,
  updatedColumns,
  type ExecutionRow,
} from '../rows.ts'
import { singleWrite, type KnownDecision } from '../known-rows.ts'
import type { ExecutionRecord, FencedWrite } from '../store.ts'
import * as q from './queries.ts'
import { BEGIN, COMMIT, run, type Connection, type Statement } from './round-trip.ts'

/** An unread inbox event as the lock round trip reads it. */
interface InboxRow {
  seq: number
  execution_id: string
  name: string
  payload_json: string
}

/**
 * Group commit in two round trips whatever the batch: lock and read the batch's rows and
 * inboxes, decide in commit-plan.ts (the one meaning of a write every store shares), then
 * apply the changes and commit.
 */
export async function commitWrites(connection: Connection, writes: readonly FencedWrite[]): Promise<Committed> {
  const waiting = inboxIds(writes)
  const lock: Statement[] = [{ sql: q.LOCK_FOR_COMMIT, values: [lockIds(writes)] }]
  if (waiting.length > 0) lock.push({ sql: q.LOCK_INBOX, values: [waiting] })
  const closing = closingIds(writes)
  if (closing.length > 0) lock.push({ sql: q.LOCK_CLOSING, values: [closing] })
  const locked = await run(connection, [...BEGIN, ...lock])
  const rows = new Map((locked[BEGIN.length] as ExecutionRow[]).map((row) => [row.id, toExecution(row)]))
  const inbox = waiting.length > 0 ? (locked[BEGIN.length + 1] as InboxRow[]) : []
  const below = closing.length > 0 ? (locked[BEGIN.length + lock.length - 1] as ExecutionRow[]) : []
  const { changes, outcomes } = decideCommit(
    writes,
    rows,
    inbox.map((e): InboxEvent => ({
      seq: Number(e.seq),
      executionId: e.execution_id,
      name: e.name,
      payloadJson: e.payload_json,
    })),
    below.map(toExecution),
  )
  const statements: Statement[] = []
  const touched = changes.touched.map(touchedColumns)
  if (touched.length > 0) statements.push(updateRows(touched, q.TOUCHED_COLUMN_ORDER))
  const moved = changes.executions.map(updatedColumns)
  if (moved.length > 0) statements.push(updateRows(moved, UPDATED_COLUMNS))
  if (changes.steps.length > 0) {
    statements.push({
      sql: q.upsertSteps(changes.steps.length),
      values: changes.steps.flatMap(({ executionId, step }) =>
        STEP_COLUMNS.map((c) => stepColumns(executionId, step)[c]),
      ),
    })
  }
  for (const { seq, by } of changes.consumed) statements.push({ sql: q.CONSUME_EVENT, values: [by, seq] })
  if (changes.created.length > 0) {
    statements.push({
      sql: q.insertChildren(changes.created.length),
      values: changes.created.flatMap((child) => {
        const columns = childColumns(child)
        return [...CHILD_COLUMNS.map((c) => columns[c]), child.now, child.now]
      }),
    })
  }
  statements.push(...insertEvents(changes.events))
  await run(connection, [...statements, COMMIT])
  return { outcomes, rows, changes }
}

/** The round trip of a known-rows commit (see `knownTrip`); `fence` is the index of its fenced update. */
export interface KnownTrip {
  statements: Statement[]
  fence: number
}

/**
 * A batch decided against known rows (src/storage/known-rows.ts) of one execution and at
 * most one step, as one round trip: the row's fenced update, then the step only if that
 * update found the row as known. Null: the batch is not of that shape.
 */
export function knownTrip(decision: KnownDecision): KnownTrip | null {
  const single = singleWrite(decision)
  if (!single) return null
  const { id, token, touched, moved, step } = single
  const fenced: Statement[] = []
  if (touched) {
    const columns = touchedColumns(touched)
    fenced.push({ sql: q.KNOWN_TOUCH, values: [...q.TOUCHED_COLUMN_ORDER.map((c) => columns[c]), id, token] })
  } else {
    const columns = updatedColumns(moved as ExecutionRecord)
    fenced.push(
      { sql: q.OPEN_CHILDREN, values: [id] },
      { sql: q.KNOWN_MOVE, values: [...UPDATED_COLUMNS.map((c) => columns[c]), id, token] },
    )
  }
  const after: Statement[] = [{ sql: q.NOTE_FENCED, values: [] }]
  if (step) {
    const columns = stepColumns(id, step)
    after.push({ sql: q.KNOWN_STEP, values: STEP_COLUMNS.map((c) => columns[c]) })
  }
  return { statements: [...BEGIN, ...fenced, ...after, COMMIT], fence: BEGIN.length + fenced.length - 1 }
}

/** Sends a known-rows commit. False: the fence failed and nothing was written; the batch takes `commitWrites`. */
export async function commitKnown(connection: Connection, trip: KnownTrip): Promise<boolean> {
  const results = await run(connection, trip.statements)
  return (results[trip.fence] as mysql.ResultSetHeader).affectedRows === 1
}

/** The statement putting events into inboxes (children's ends), if there are any. */
export function insertEvents(events: readonly NewInboxEvent[]): Statement[] {
  if (events.length === 0) return []
  return [
    {
      sql: q.insertInboxEvents(events.length),
      values: events.flatMap((event) => {
        const columns = inboxEventColumns(event)
        return INBOX_EVENT_COLUMNS.map((c) => columns[c])
      }),
    },
  ]
}

/** One set-wide UPDATE giving each row its own values for `columns`. */
export function updateRows<C extends string>(
  rows: readonly ({ id: string } & Record<C, unknown>)[],
  columns: readonly C[],
): Statement {
  return {
    sql: q.updateRows(rows.length, columns),
    values: [...columns.flatMap((c) => rows.flatMap((r) => [r.id, r[c]])), rows.map((r) => r.id)],
  }
}
