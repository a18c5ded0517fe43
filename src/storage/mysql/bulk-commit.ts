import type { StepRecord } from '../store.ts'
import type { AppliedPlan, WritePlan } from '../write-plan.ts'
import { BEGIN, COMMIT, run, type Connection, type Statement } from './round-trip.ts'
import * as q from './queries.ts'

/** An execution row as locked by the first round trip. */
export interface LockedRow {
  id: string
  lease_token: number
  status: string
}

/** An unconsumed event as locked by the first round trip. */
export interface InboxRow {
  seq: number
  execution_id: string
  name: string
  payload_json: string
}

/**
 * The bulk path needs at most one write per execution: then no write in the batch can
 * depend on another's effect, and the writes can be applied set-wide in any order.
 */
export function canBulk(plans: readonly WritePlan[]): boolean {
  return new Set(plans.map((p) => p.id)).size === plans.length
}

/** First round trip: lock every execution of the batch, and the inboxes the waits will read. */
export function lockStatements(plans: readonly WritePlan[]): Statement[] {
  const statements: Statement[] = [{ sql: q.LOCK_BATCH, values: [plans.map((p) => p.id)] }]
  const waiting = plans.filter((p) => p.wait).map((p) => p.id)
  if (waiting.length > 0) statements.push({ sql: q.LOCK_INBOX, values: [waiting] })
  return statements
}

/**
 * Second round trip: with the rows locked, the fence of each write is decided here, and
 * the writes that hold their lease are applied with a few set-wide statements instead of
 * several statements each. Group commit turns 64 step results into about four statements.
 */
export function bulkStatements(
  plans: readonly WritePlan[],
  rows: readonly LockedRow[],
  inbox: readonly InboxRow[],
): { statements: Statement[]; applied: AppliedPlan[] } {
  const byId = new Map(rows.map((r) => [r.id, r]))
  const events = [...inbox]
  const statements: Statement[] = []
  const touched: WritePlan[] = []
  const steps: [string, StepRecord][] = []
  const finished: WritePlan[] = []
  const applied = plans.map((plan): AppliedPlan => {
    const row = byId.get(plan.id)
    if (row?.status !== 'running' || Number(row.lease_token) !== plan.token) return { ok: false }
    touched.push(plan)
    let outcome: AppliedPlan = { ok: true }
    let then = plan.then
    let step = plan.step
    if (plan.wait && step) {
      const at = events.findIndex((e) => e.execution_id === plan.id && e.name === plan.wait?.event)
      const event = events[at]
      if (event) {
        events.splice(at, 1)
        statements.push({ sql: q.CONSUME_EVENT, values: [step.key, event.seq] })
        step = { ...step, status: 'completed', outputJson: event.payload_json, finishedAt: plan.now }
        outcome = { ok: true, result: 'consumed', payloadJson: event.payload_json, finishedAt: plan.now }
        then = null
      } else if (step.wakeAt !== null && step.wakeAt <= plan.now) {
        step = { ...step, status: 'failed', errorJson: plan.wait.timeoutErrorJson, finishedAt: plan.now }
        outcome = { ok: true, result: 'timed_out' }
        then = null
      } else {
        outcome = { ok: true, result: 'waiting' }
      }
    }
    if (step) steps.push([plan.id, step])
    const fence = [plan.id, plan.token]
    if (then?.kind === 'finish') finished.push(plan)
    if (then?.kind === 'release')
      statements.push({ sql: q.RELEASE_PENDING, values: [then.runAt, then.errorJson, then.countRetry, ...fence] })
    if (then?.kind === 'suspend') {
      statements.push({
        sql: q.SUSPEND_WAITING,
        values: [then.event, then.wakeAt, then.wakeAt, then.wakeAt, then.wakeAt, ...fence],
      })
    }
    return outcome
  })

  const head: Statement[] = []
  if (touched.length > 0) {
    head.push({
      sql: q.touchRows(touched.length),
      values: [
        ...touched.flatMap((p) => [p.id, p.currentStep]),
        ...touched.flatMap((p) => [p.id, p.now]),
        touched.map((p) => p.id),
      ],
    })
  }
  if (steps.length > 0) {
    head.push({
      sql: q.upsertSteps(steps.length),
      values: steps.flatMap(([id, s]) => [
        id,
        s.key,
        s.name,
        s.kind,
        s.status,
        s.attempts,
        s.outputJson,
        s.errorJson,
        s.startedAt,
        s.finishedAt,
        s.wakeAt,
      ]),
    })
  }
  if (finished.length > 0) {
    const column = (pick: (t: Extract<WritePlan['then'], { kind: 'finish' }>) => unknown) =>
      finished.flatMap((p) => (p.then?.kind === 'finish' ? [p.id, pick(p.then)] : []))
    head.push({
      sql: q.finishRows(finished.length),
      values: [
        ...column((t) => t.status),
        ...column((t) => t.outputJson),
        ...column((t) => t.errorJson),
        finished.map((p) => p.id),
      ],
    })
  }
  return { statements: [...head, ...statements], applied }
}

/**
 * Group commit in two round trips whatever the batch size: lock the rows (and inboxes),
 * then apply every write that holds its lease with a few set-wide statements.
 */
export async function commitBulk(connection: Connection, plans: WritePlan[]): Promise<AppliedPlan[]> {
  const lock = lockStatements(plans)
  const locked = await run(connection, [...BEGIN, ...lock])
  const rows = locked[BEGIN.length] as LockedRow[]
  const inbox = lock.length > 1 ? (locked[BEGIN.length + 1] as InboxRow[]) : []
  const { statements, applied } = bulkStatements(plans, rows, inbox)
  await run(connection, [...statements, COMMIT])
  return applied
}
