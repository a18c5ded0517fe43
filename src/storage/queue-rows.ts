import type { QueueDefinition } from '../queues.ts'
import type { QueueCandidate } from './queue-plan.ts'
import type { QueueStanding } from './store.ts'

/** A row of a store's queue-candidates query (the same columns on every store). */
export interface CandidateRow {
  id: string
  queue: string
  concurrency_key: string | null
  status: string
  started_at: number | null
  key_running: number | string
  priority: number | string
  due_at: number | string
  seq: number | string
}

export function toCandidate(row: CandidateRow): QueueCandidate {
  return {
    id: row.id,
    queue: row.queue,
    concurrencyKey: row.concurrency_key,
    status: row.status,
    firstStart: row.started_at === null,
    keyRunning: Number(row.key_running),
    priority: Number(row.priority),
    dueAt: Number(row.due_at),
    seq: Number(row.seq),
  }
}

/** A row of a store's queue-standing query. */
export interface StandingRow {
  queue: string
  running: number | string
  key_running: number | string
  ahead_in_queue: number | string
  ahead_on_key: number | string
}

export function toStanding(
  row: StandingRow,
  definition: QueueDefinition | undefined,
  starts: { starts: number | string; oldest: number | string | null },
): QueueStanding {
  return {
    definition,
    running: Number(row.running),
    keyRunning: Number(row.key_running),
    aheadInQueue: Number(row.ahead_in_queue),
    aheadOnKey: Number(row.ahead_on_key),
    starts: Number(starts.starts),
    oldestStart: starts.oldest === null ? null : Number(starts.oldest),
  }
}
