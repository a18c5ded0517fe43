import type mysql from 'mysql2/promise'
import type { AppliedPlan, WritePlan } from '../write-plan.ts'
import { toExecution, type ExecutionRow } from '../rows.ts'
import * as q from './queries.ts'
import { BEGIN, COMMIT, run, type Connection, type Statement } from './round-trip.ts'

/** The statements of a group commit, and where each write's answers will be in the results. */
export interface CommitBatch {
  statements: Statement[]
  /** Per write: index of its fence statement (affected rows 0 = lease lost). */
  fences: number[]
  /** Per write: index of the statement that reports the event a wait picked, if a wait. */
  picks: (number | null)[]
  /** Per write: index of the statement that reads the row back after a finish, if a finish. */
  finished: (number | null)[]
}

/**
 * Spells a batch of planned writes as plain statements for one round trip. MySQL has no
 * statement-level functions worth the name here, so each write is a short sequence whose
 * statements all repeat the fence; a wait carries the event it picked in session
 * variables (@ev, @payload) from one statement to the next.
 */
export function commitBatch(plans: WritePlan[]): CommitBatch {
  const statements: Statement[] = []
  const fences: number[] = []
  const picks: (number | null)[] = []
  const finished: (number | null)[] = []
  const add = (sql: string, values: unknown[] = []): number => statements.push({ sql, values }) - 1

  for (const plan of plans) {
    const fence = [plan.id, plan.token]
    fences.push(add(q.TOUCH_FENCED, [plan.currentStep, plan.now, ...fence]))
    const step = plan.step
    if (plan.wait && step) {
      const timedOut = step.wakeAt !== null && step.wakeAt <= plan.now
      add(q.RESET_EVENT)
      add(q.PICK_EVENT, [plan.id, plan.wait.event, ...fence])
      add(q.CONSUME_PICKED_EVENT, [step.key])
      add(q.UPSERT_WAIT_STEP, [
        plan.id,
        step.key,
        step.name,
        timedOut,
        timedOut,
        plan.wait.timeoutErrorJson,
        step.startedAt,
        timedOut,
        plan.now,
        step.wakeAt,
        ...fence,
      ])
      add(q.SUSPEND_WAITING_UNLESS_PICKED, [
        plan.wait.event,
        step.wakeAt,
        step.wakeAt,
        step.wakeAt,
        step.wakeAt,
        ...fence,
        timedOut,
      ])
      picks.push(add(q.SELECT_PICKED_EVENT))
      finished.push(null)
      continue
    }
    picks.push(null)
    if (step) {
      add(q.UPSERT_STEP, [
        plan.id,
        step.key,
        step.name,
        step.kind,
        step.status,
        step.attempts,
        step.outputJson,
        step.errorJson,
        step.startedAt,
        step.finishedAt,
        step.wakeAt,
        ...fence,
      ])
    }
    const then = plan.then
    if (then?.kind === 'release') add(q.RELEASE_PENDING, [then.runAt, then.errorJson, then.countRetry, ...fence])
    if (then?.kind === 'suspend')
      add(q.SUSPEND_WAITING, [then.event, then.wakeAt, then.wakeAt, then.wakeAt, then.wakeAt, ...fence])
    if (then?.kind === 'finish') {
      add(q.FINISH, [then.status, then.outputJson, then.errorJson, ...fence])
      // Read back inside the transaction: waiters in the worker's process need not ask again.
      finished.push(add(q.SELECT_EXECUTION, [plan.id]))
    } else finished.push(null)
  }
  return { statements, fences, picks, finished }
}

/** Reads one write's outcome back from the results of the round trip. */
export function appliedPlan(
  plan: WritePlan,
  fenceResult: { affectedRows?: number } | undefined,
  pickRows: { seq: number | null; payload: string | null }[] | undefined,
  finishedRows?: ExecutionRow[] | undefined,
): AppliedPlan {
  if (!fenceResult?.affectedRows) return { ok: false }
  const row = finishedRows?.[0]
  if (row) return { ok: true, execution: toExecution(row) }
  if (!plan.wait) return { ok: true }
  const picked = pickRows?.[0]
  if (picked && picked.seq !== null && picked.payload !== null) {
    return { ok: true, result: 'consumed', payloadJson: String(picked.payload), finishedAt: plan.now }
  }
  const wakeAt = plan.step?.wakeAt ?? null
  return { ok: true, result: wakeAt !== null && wakeAt <= plan.now ? 'timed_out' : 'waiting' }
}

/**
 * Group commit when one execution has several writes in the batch (rare: a timeout or a
 * shutdown racing a step): one round trip of statements that each repeat the fence, in
 * order, so each write sees the effect of the one before.
 */
export async function commitSequential(connection: Connection, plans: WritePlan[]): Promise<AppliedPlan[]> {
  const batch = commitBatch(plans)
  const results = await run(connection, [...BEGIN, ...batch.statements, COMMIT])
  const at = (i: number | null | undefined) => (i === null || i === undefined ? undefined : results[i + BEGIN.length])
  return plans.map((plan, i) =>
    appliedPlan(
      plan,
      at(batch.fences[i]) as mysql.ResultSetHeader | undefined,
      at(batch.picks[i]) as { seq: number | null; payload: string | null }[] | undefined,
      at(batch.finished[i]) as ExecutionRow[] | undefined,
    ),
  )
}
