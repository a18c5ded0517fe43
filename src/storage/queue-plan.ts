import type { QueueDefinition } from '../queues.ts'

/**
 * Which queued executions a claim may take: the one decision every store makes the same
 * way, after it has serialised the claimers of these queues (SQLite: its write
 * transaction; PostgreSQL and MySQL: the queues' `zart_queues` rows locked FOR UPDATE) and
 * read their counts. Stores lock, read and apply; this decides (as commit-plan.ts does for
 * commits).
 *
 * What holds a slot: an execution of the queue that is `running` (claimed under a lease,
 * even one that ran out and awaits takeover). Waiting and sleeping executions hold none,
 * nor do pending ones (a retry delay): a run that suspends gives its slot back, and must
 * win one again when it wakes.
 */

/** A due execution of a queue, in claim order (priority first, then due time). */
export interface QueueCandidate {
  id: string
  queue: string
  concurrencyKey: string | null
  /** `running` here is a takeover of a lease that ran out: it already holds its slot. */
  status: string
  /** True before its first claim: only first starts count against the rate limit. */
  firstStart: boolean
  /** Executions of its queue and key running when the claim read them. */
  keyRunning: number
  /** Claim order: priority (larger first), then due time, then scheduling order. */
  priority: number
  dueAt: number
  seq: number
}

/** A queue's limits and counts, read under its lock. */
export interface QueueState {
  definition: QueueDefinition | undefined
  /** Executions of the queue running now. */
  running: number
  /** First starts within the rate period ending now. */
  starts: number
}

/**
 * The ids to claim, at most `capacity`, in candidate order: each within its queue's
 * concurrency, its key's concurrency and its rate limit, counting those admitted before it.
 */
export function admitQueued(
  candidates: readonly QueueCandidate[],
  states: ReadonlyMap<string, QueueState>,
  capacity: number,
): string[] {
  const running = new Map<string, number>()
  const starts = new Map<string, number>()
  const keyAdded = new Map<string, number>()
  const admitted: string[] = []
  for (const c of candidates) {
    if (admitted.length >= capacity) break
    if (c.status === 'running') {
      admitted.push(c.id)
      continue
    }
    const state = states.get(c.queue)
    const def = state?.definition
    const queueRunning = running.get(c.queue) ?? state?.running ?? 0
    if (def?.concurrency != null && queueRunning >= def.concurrency) continue
    const keyId = `${c.queue}\u0000${c.concurrencyKey ?? ''}`
    const onKey = c.keyRunning + (keyAdded.get(keyId) ?? 0)
    if (def?.keyConcurrency != null && c.concurrencyKey !== null && onKey >= def.keyConcurrency) continue
    const queueStarts = starts.get(c.queue) ?? state?.starts ?? 0
    if (c.firstStart && def?.rateLimit != null && queueStarts >= def.rateLimit) continue
    admitted.push(c.id)
    running.set(c.queue, queueRunning + 1)
    keyAdded.set(keyId, (keyAdded.get(keyId) ?? 0) + 1)
    if (c.firstStart) starts.set(c.queue, queueStarts + 1)
  }
  return admitted
}

/**
 * How many candidates of a queue a claim reads: a few times what it can admit (the free
 * slots of the worker, or the room left in the queue if smaller), to skip some held back
 * by their key or the rate limit.
 */
export function candidateLimit(capacity: number, state?: QueueState): number {
  const limit = state?.definition?.concurrency
  const room = limit === null || limit === undefined ? capacity : Math.min(capacity, limit - (state?.running ?? 0))
  return Math.max(room * 4, 8)
}

/**
 * A queue whose global limit is reached: of its due executions only takeovers (leases
 * that ran out, holding their slot already) are worth reading.
 */
export function isFull(state: QueueState): boolean {
  const limit = state.definition?.concurrency
  return limit !== null && limit !== undefined && state.running >= limit
}

/** Candidates of several queues, each list in claim order, merged into one claim order. */
export function inClaimOrder(lists: readonly QueueCandidate[][]): QueueCandidate[] {
  return lists.flat().sort((a, b) => b.priority - a.priority || a.dueAt - b.dueAt || a.seq - b.seq)
}
