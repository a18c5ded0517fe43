import type { CronSchedule } from '../cron.ts'
import type { CatchUpPolicy, OverlapPolicy } from '../storage/store.ts'

/** Most ticks missed during downtime that catch-up `all` still starts; older ones are skipped. */
export const MAX_CATCH_UP = 100

/**
 * How late a worker may notice a tick and still count it on time. With catch-up `none`, a
 * tick found later than this is a missed one and is skipped.
 */
export const ON_TIME_MS = 60_000

export interface TickPlanInput {
  cron: CronSchedule
  /** The schedule's next tick not yet handled; due (at or before `now`). */
  from: number
  now: number
  overlap: OverlapPolicy
  catchUp: CatchUpPolicy
  /** Whether the execution of the last tick that started one has not finished. */
  previousRunning: boolean
}

/**
 * What to do with a schedule's due ticks: `wait` (overlap `queue` behind a running
 * execution: change nothing), or start `ticks` and move the next tick to `to`, having
 * skipped `skipped` of the latest due ticks for good (and, when `beyondBound`, every tick
 * older than the MAX_CATCH_UP latest). Pure, so every worker decides alike.
 */
export type TickPlan =
  { kind: 'wait' } | { kind: 'fire'; ticks: number[]; to: number | null; skipped: number; beyondBound: boolean }

export function planTicks(input: TickPlanInput): TickPlan {
  const { cron, from, now, overlap } = input
  // Due ticks, oldest first, at most MAX_CATCH_UP of the latest. Walked forward from the
  // schedule's next tick (usually the only one due); past the bound, counted back from now.
  let due = [from]
  for (let t = cron.next(from); t !== null && t <= now && due.length <= MAX_CATCH_UP; t = cron.next(t)) due.push(t)
  const beyondBound = due.length > MAX_CATCH_UP
  if (beyondBound) due = cron.previous(MAX_CATCH_UP, now).reverse()
  // A queued tick waited for the previous run, not for a worker: it is not a missed one.
  const catchUp = overlap === 'queue' && input.catchUp === 'none' ? 'latest' : input.catchUp
  let ticks =
    catchUp === 'all' ? due : catchUp === 'latest' ? due.slice(-1) : due.filter((t) => now - t <= ON_TIME_MS).slice(-1)
  if (overlap !== 'allow' && ticks.length > 0) {
    if (input.previousRunning && overlap === 'queue') return { kind: 'wait' } // the ticks stay due until it ends
    // skip: none while it runs; else one at a time, the next waiting for this one.
    ticks = input.previousRunning ? [] : ticks.slice(0, 1)
  }
  const last = ticks.at(-1)
  const backlog = last !== undefined && last < (due.at(-1) ?? last)
  const to = backlog ? cron.next(last) : cron.next(now)
  const skipped = due.filter((t) => (to === null || t < to) && !ticks.includes(t)).length
  return { kind: 'fire', ticks, to, skipped, beyondBound }
}
