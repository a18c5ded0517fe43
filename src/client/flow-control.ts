import { isoTime } from '../duration.ts'
import { ZartError } from '../errors.ts'
import {
  checkConcurrencyKey,
  checkDedupe,
  checkPriority,
  checkQueue,
  checkQueueName,
  type QueueDefinition,
} from '../queues.ts'
import type { WorkflowDefinition } from '../engine/workflow.ts'
import type { ExecutionRecord, NewExecution, QueueStanding, Store } from '../storage/store.ts'
import type { QueueView, ScheduleOptions } from './types.ts'

/**
 * Flow control as the client applies it (docs/queues.md): which queue, key, priority and
 * dedupe key a schedule call gives its execution, and how `status` explains a queued
 * execution that is not running yet. The limits themselves are enforced by the stores'
 * claim (src/storage/queue-plan.ts).
 */

/** The queue a workflow declares, as stored: its name with limits, or a bare name. */
export function declaredQueue(definition: WorkflowDefinition): QueueDefinition | string | undefined {
  const queue = definition.queue
  if (queue === undefined || typeof queue === 'string') return queue
  return checkQueue(queue)
}

/** The flow-control fields of a new execution, checked; the queue named must be known. */
export async function flowOf(
  definition: WorkflowDefinition,
  options: ScheduleOptions,
  now: number,
  store: Store,
): Promise<Pick<NewExecution, 'queue' | 'concurrencyKey' | 'priority' | 'dedupe'>> {
  const declared = declaredQueue(definition)
  const declaredName = typeof declared === 'string' ? declared : declared?.name
  const queue = options.queue === undefined ? declaredName : checkQueueName(options.queue)
  const concurrencyKey = options.concurrencyKey === undefined ? null : checkConcurrencyKey(options.concurrencyKey)
  const priority = options.priority === undefined ? (definition.priority ?? 0) : checkPriority(options.priority)
  if (queue === undefined && (concurrencyKey !== null || options.priority !== undefined)) {
    const what = concurrencyKey !== null ? 'a concurrency key' : 'a priority'
    throw new ZartError(
      'INVALID_INPUT',
      `${what} applies within a queue, and workflow "${definition.name}" has none: name one with queue (zart queue set <name> defines it)`,
      { issues: [{ path: concurrencyKey !== null ? 'concurrencyKey' : 'priority', message: `${what} needs a queue` }] },
    )
  }
  if (queue !== undefined && queue !== declaredName) {
    const known = (await store.listQueues()).map((q) => q.name)
    if (!known.includes(queue)) {
      throw new ZartError(
        'INVALID_INPUT',
        `unknown queue "${queue}": define it first (zart queue set ${queue} --concurrency N, or declare it on a workflow)` +
          (known.length > 0 ? `; known queues are ${known.join(', ')}` : ''),
        { queue, known, issues: [{ path: 'queue', message: `unknown queue "${queue}"` }] },
      )
    }
  }
  let dedupe: NewExecution['dedupe'] = null
  if (options.dedupe !== undefined) {
    const { key, windowMs } = checkDedupe(options.dedupe)
    dedupe = { key, until: now + windowMs }
  }
  return { queue: queue ?? null, concurrencyKey, priority: queue === undefined ? 0 : priority, dedupe }
}

/** A queue as every door shows it. */
export function toQueueView(definition: QueueDefinition): QueueView {
  return {
    name: definition.name,
    concurrency: definition.concurrency,
    key_concurrency: definition.keyConcurrency,
    rate_limit:
      definition.rateLimit === null || definition.ratePeriodMs === null
        ? null
        : { limit: definition.rateLimit, period_ms: definition.ratePeriodMs },
  }
}

/**
 * Why a due, queued execution is not running yet, as a sentence: `queued behind 3 on key
 * user-42 (...)`, `rate limited until ...`. Undefined when nothing holds it back (a worker
 * takes it at its next look) or it is not waiting for a slot at all.
 */
export function queueReason(record: ExecutionRecord, standing: QueueStanding, now: number): string | undefined {
  if (record.queue === null || record.paused) return undefined
  const due = record.dueAt !== null && record.dueAt <= now
  if (!due || (record.status !== 'pending' && record.status !== 'waiting')) return undefined
  const def = standing.definition
  const name = record.queue
  const key = record.concurrencyKey
  if (key !== null && def?.keyConcurrency != null && standing.keyRunning >= def.keyConcurrency) {
    return (
      `queued behind ${standing.keyRunning + standing.aheadOnKey} on key ${key} ` +
      `(queue ${name} runs at most ${def.keyConcurrency} per key at once)`
    )
  }
  if (def?.concurrency != null && standing.running >= def.concurrency) {
    return (
      `queued behind ${standing.running + standing.aheadInQueue} in queue ${name} ` +
      `(it runs at most ${def.concurrency} at once)`
    )
  }
  if (
    record.attempt === 0 &&
    def?.rateLimit != null &&
    def.ratePeriodMs !== null &&
    standing.starts >= def.rateLimit &&
    standing.oldestStart !== null
  ) {
    return (
      `rate limited until ${isoTime(standing.oldestStart + def.ratePeriodMs)} ` +
      `(queue ${name} starts at most ${def.rateLimit} per ${def.ratePeriodMs} ms)`
    )
  }
  if (standing.aheadInQueue > 0) return `queued behind ${standing.aheadInQueue} in queue ${name}`
  return undefined
}
