import { cancelledRow, parentNotice, type NewInboxEvent } from './commit-plan.ts'
import { isTerminal, type ExecutionRecord } from './store.ts'

/**
 * The one meaning of a cancel, shared by every store, like `decideCommit` for writes. A
 * store locks and reads the execution, its parent, and every execution below it in the
 * tree of children (`CANCEL_TREE` in each adapter's queries), hands them here, and
 * applies what comes back in the same transaction.
 */
export type CancelDecision =
  | { outcome: 'not_found' }
  | { outcome: 'terminal'; execution: ExecutionRecord }
  | {
      outcome: 'cancelled'
      execution: ExecutionRecord
      /** The ids of the children (and theirs) cancelled with it. */
      cascaded: string[]
      /** Whole rows to write: the cancelled ones, and the parent woken by the news. */
      executions: ExecutionRecord[]
      /** The cancelled execution's end, for its parent's inbox. */
      events: NewInboxEvent[]
    }

/**
 * Cancels `id` and its unfinished children that were not started detached, down the tree
 * (a detached child and everything under it is left alone); when `id` is itself a child,
 * its parent learns of the end as of any other (see `parentNotice`).
 *
 * @param rows the locked rows: the execution, its parent, and its descendants
 */
export function decideCancel(
  id: string,
  rows: ReadonlyMap<string, ExecutionRecord>,
  now: number,
  errorJson: string,
): CancelDecision {
  const root = rows.get(id)
  if (!root) return { outcome: 'not_found' }
  if (isTerminal(root.status)) return { outcome: 'terminal', execution: root }
  const cancel = (row: ExecutionRecord): ExecutionRecord => cancelledRow(row, now, errorJson)
  const execution = cancel(root)
  const executions = [execution]
  const cascaded: string[] = []
  const children = new Map<string, ExecutionRecord[]>()
  for (const row of rows.values()) {
    if (row.parentId === null || row.detached) continue
    children.set(row.parentId, [...(children.get(row.parentId) ?? []), row])
  }
  const events: NewInboxEvent[] = []
  const below = [...(children.get(root.id) ?? [])]
  for (let row = below.shift(); row; row = below.shift()) {
    below.push(...(children.get(row.id) ?? []))
    if (isTerminal(row.status)) continue
    const ended = cancel(row)
    executions.push(ended)
    cascaded.push(row.id)
    // Its parent is cancelled too, so nothing wakes; the end waits in the parent's inbox
    // for a retry of the parent to find.
    const parent = row.parentId === null ? undefined : rows.get(row.parentId)
    const notice = parent && parentNotice(ended, { ...parent, status: 'running' }, now)
    if (notice) events.push(notice.event)
  }
  const notice = root.parentId === null ? null : parentNotice(execution, rows.get(root.parentId), now)
  if (notice) {
    events.push(notice.event)
    if (notice.wake) executions.push(notice.wake)
  }
  return { outcome: 'cancelled', execution, cascaded, executions, events }
}
