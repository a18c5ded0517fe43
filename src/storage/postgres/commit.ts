import type pg from 'pg'
import { decideCommit, inboxIds, lockIds, type CommitChanges, type InboxEvent } from '../commit-plan.ts'
import { stepColumns, toExecution, touchedColumns, updatedColumns, type ExecutionRow } from '../rows.ts'
import type { ExecutionRecord, FencedWrite, WriteOutcome } from '../store.ts'
import { KnownRows } from './known-rows.ts'
import * as q from './queries.ts'

/** What zart_lock_for_commit returns. */
interface Locked {
  rows: ExecutionRow[]
  inbox: { seq: number; execution_id: string; name: string; payload_json: string }[]
}

/**
 * Group commit. What every write does is decided in commit-plan.ts (the one meaning of a
 * write every store shares) from the batch's locked rows and inboxes.
 *
 * When this store's own last commit of each row of the batch left it running, the rows
 * are known already (`known`): the decision is made from them, and BEGIN, the lock, the
 * apply, a read of the rows' new hashes and COMMIT go in one round trip, the apply
 * guarded in SQL by the locked rows hashing as that commit left them and their inboxes
 * being empty. Anything else changed them (a heartbeat, a cancel, a pause, an event): the
 * guard applies nothing and the batch goes again the long way, in two round trips: BEGIN
 * with the lock and read; the apply with COMMIT. The caller rolls back on error.
 */
export async function commitWrites(
  client: pg.PoolClient,
  writes: readonly FencedWrite[],
  known: KnownRows,
): Promise<WriteOutcome[]> {
  // Each value goes in as one JSON document quoted by the driver: no other text is spliced.
  const inline = (text: string, values: unknown[]) =>
    text.replace(/\$(\d+)/g, (_, n: string) => client.escapeLiteral(JSON.stringify(values[Number(n) - 1])))
  const ids = lockIds(writes)
  const inboxes = inboxIds(writes)
  const rows = known.all(writes)
  if (rows) {
    const { changes, outcomes } = decideCommit(writes, rows.records, [])
    const results = (await client.query(
      inline(q.GUARDED_APPLY_AND_COMMIT, [ids, inboxes, rows.hashes, ...applied(changes)]),
    )) as unknown as pg.QueryResult[]
    if (results[1]?.rowCount === 1) {
      remember(known, writes, rows.records, changes, outcomes, hashesOf(results[2]))
      return outcomes
    }
    // Nothing was applied and the transaction ended: the rows changed since; the long way.
    for (const id of ids) known.forget(id)
  }
  const opened = (await client.query(inline(q.BEGIN_AND_LOCK, [ids, inboxes]))) as unknown as pg.QueryResult<{
    locked: Locked
  }>[]
  const locked = opened[1]?.rows[0]?.locked ?? { rows: [], inbox: [] }
  const records = new Map(locked.rows.map((r) => [r.id, toExecution(r)]))
  const { changes, outcomes } = decideCommit(
    writes,
    records,
    locked.inbox.map((e): InboxEvent => ({
      seq: Number(e.seq),
      executionId: e.execution_id,
      name: e.name,
      payloadJson: e.payload_json,
    })),
  )
  const results = (await client.query(
    inline(q.APPLY_AND_COMMIT, [...applied(changes), ids]),
  )) as unknown as pg.QueryResult[]
  remember(known, writes, records, changes, outcomes, hashesOf(results[1]))
  return outcomes
}

/** The four JSON arrays zart_apply_commit takes. */
function applied(changes: CommitChanges): unknown[] {
  return [
    changes.touched.map(touchedColumns),
    changes.executions.map(updatedColumns),
    changes.steps.map((s) => stepColumns(s.executionId, s.step)),
    changes.consumed.map((c) => ({ seq: c.seq, consumed_by: c.by })),
  ]
}

function hashesOf(result: pg.QueryResult | undefined): Record<string, string> {
  return ((result?.rows[0] as { hashes?: Record<string, string> | null } | undefined)?.hashes ?? {}) as Record<
    string,
    string
  >
}

/**
 * Keeps the rows the batch left running, as the commit left them, with the server's hash
 * of each read after the apply in the same transaction; forgets the others.
 */
function remember(
  known: KnownRows,
  writes: readonly FencedWrite[],
  before: ReadonlyMap<string, ExecutionRecord>,
  changes: CommitChanges,
  outcomes: readonly WriteOutcome[],
  hashes: Record<string, string>,
): void {
  const touched = new Map(changes.touched.map((t) => [t.id, t]))
  const stopped = new Set(writes.filter((_, i) => outcomes[i]?.ok !== true).map((w) => w.lease.executionId))
  for (const id of new Set(writes.map((w) => w.lease.executionId))) {
    const row = before.get(id)
    const change = touched.get(id)
    const hash = hashes[id]
    if (!row || !change || hash === undefined || stopped.has(id)) {
      known.forget(id)
      continue
    }
    const { currentStep, takeovers, progress, updatedAt } = change
    known.set(id, { ...row, currentStep, takeovers, progress, updatedAt }, hash)
  }
}
