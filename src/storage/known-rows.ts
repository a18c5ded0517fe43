import { decideCommit, type CommitChanges, type CommitDecision, type TouchedExecution } from './commit-plan.ts'
import type { ExecutionRecord, FencedWrite, StepRecord } from './store.ts'

/**
 * A batch decided against known rows. The store applies it only while each row still is
 * as known in what the decision read: running under the lease's token (`rows`), not
 * paused, and, for one the batch finishes, with no unfinished child started attached
 * (which the finish would have to cancel). Otherwise it writes nothing.
 */
export interface KnownDecision extends CommitDecision {
  /** The known rows it was decided against, by id. */
  rows: ReadonlyMap<string, ExecutionRecord>
}

/**
 * A known-rows batch of one execution and at most one step (what one run's commit most
 * often is), which a server store sends as one statement or one round trip: the row that
 * stays running (`touched`) or stops (`moved`), the lease token its fence checks, the step.
 */
export interface SingleWrite {
  id: string
  token: number
  touched?: TouchedExecution
  moved?: ExecutionRecord
  step?: StepRecord
}

/** `decision` as a `SingleWrite`, or null when it is of another shape. */
export function singleWrite(decision: KnownDecision): SingleWrite | null {
  const { touched, executions, steps } = decision.changes
  if (touched.length + executions.length !== 1 || steps.length > 1) return null
  const id = (touched[0] ?? executions[0])?.id
  const token = id === undefined ? undefined : decision.rows.get(id)?.leaseToken
  const [step] = steps
  if (id === undefined || token === undefined || (step && step.executionId !== id)) return null
  return { id, token, touched: touched[0], moved: executions[0], step: step?.step }
}

/** At most this many rows are kept: past it the store starts over (rows of runs that stopped writing). */
const MAX_ROWS = 10_000

/**
 * The rows of the executions this store holds leases on, as its own claims and commits
 * left them. While an execution runs under a lease, nothing but the lease holder's commits
 * changes what a step, a progress report or a finish reads of its row, except what the
 * fence checks (a cancel, a pause, a takeover's new token, a child started): so such a
 * batch can be decided in commit-plan.ts against these rows, before any round trip, and
 * applied in one, fenced. Anything else, or a fence that fails, takes the store's usual
 * path: lock and read, decide, apply.
 */
export class KnownRows {
  private readonly rows = new Map<string, ExecutionRecord>()

  /** Remembers rows this store just claimed (or created claimed). */
  held(rows: Iterable<ExecutionRecord>): void {
    for (const row of rows) if (row.status === 'running') this.remember(row)
  }

  /**
   * The batch decided against the known rows, or null when it must take the usual path: a
   * write of another kind (a wait reads the inbox, a child start or a child's end touches
   * another execution), or a row not known under the write's lease.
   */
  decide(writes: readonly FencedWrite[]): KnownDecision | null {
    const rows = new Map<string, ExecutionRecord>()
    for (const write of writes) {
      if (write.kind === 'finish' && write.parentId) return null
      if (write.kind !== 'step' && write.kind !== 'progress' && write.kind !== 'finish') return null
      const id = write.lease.executionId
      const row = this.rows.get(id)
      if (!row || row.leaseToken !== write.lease.token || row.paused) return null
      rows.set(id, row)
    }
    const decision = decideCommit(writes, rows, [])
    if (decision.outcomes.some((outcome) => !outcome.ok)) return null
    return { ...decision, rows }
  }

  /**
   * A batch committed, decided against `rows` (locked and read, or known): remember what
   * still runs as it left it, forget what stopped running or was not held as asked.
   */
  committed(writes: readonly FencedWrite[], rows: ReadonlyMap<string, ExecutionRecord>, changes: CommitChanges): void {
    for (const write of writes) {
      const row = rows.get(write.lease.executionId)
      if (!row || row.status !== 'running' || row.leaseToken !== write.lease.token) {
        this.rows.delete(write.lease.executionId)
      }
    }
    for (const touched of changes.touched) {
      const row = rows.get(touched.id)
      if (row) this.remember({ ...row, ...touched })
    }
    for (const moved of changes.executions) {
      if (moved.status === 'running') this.remember(moved)
      else this.rows.delete(moved.id)
    }
  }

  private remember(row: ExecutionRecord): void {
    if (this.rows.size >= MAX_ROWS && !this.rows.has(row.id)) this.rows.clear()
    this.rows.set(row.id, row)
  }
}
