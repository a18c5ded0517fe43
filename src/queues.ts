import { parseDuration, type Duration } from './duration.ts'
import { ZartError, type FieldIssue } from './errors.ts'
import { checkName, nameProblem, type NameRule } from './names.ts'

/**
 * Flow control: the one rule for queue definitions and for the queue options of a
 * schedule call. A workflow's declared queue, `zart queue set`, the `set_queue` MCP tool
 * and `PUT /api/v1/queues/{name}` all check through `checkQueue`, and every schedule door
 * through `checkConcurrencyKey`, `checkPriority` and `checkDedupe`, so a limit refused at
 * one door is refused at all of them with the same words. See docs/queues.md.
 */

/** Queue names: `emails`, `billing/refunds` (the identifier rule of workflow names). */
export const QUEUE_NAME: NameRule = {
  what: 'queue name',
  max: 128,
  pattern: /^[A-Za-z0-9][A-Za-z0-9_.:\-/]*$/,
  explain: () => 'may contain only letters, digits and _ . : - / and must start with a letter or digit (e.g. "emails")',
}

/** Concurrency keys (`user-42`) and dedupe keys: free text as idempotency keys are. */
export const QUEUE_KEY: NameRule = {
  what: 'key',
  max: 256,
  pattern: /^(?!\s)[^\p{Cc}\p{Cs}]*(?<!\s)$/u,
  explain: () => 'must not contain control characters nor start or end with whitespace',
}

/** Priorities are integers in this range; larger runs first. */
export const MAX_PRIORITY = 1_000_000

/** Limits of a queue as written by a workflow author or sent to a door. */
export interface QueueLimits {
  /** At most this many executions of the queue running at once (omit: no limit). */
  concurrency?: number | null
  /** At most this many running at once per concurrency key (omit: no limit). */
  keyConcurrency?: number | null
  /** At most `limit` executions started in any `period` (omit: no limit). */
  rateLimit?: { limit: number; period: Duration } | null
}

/** A queue's definition as declared on a workflow: its name and limits. */
export interface QueueOptions extends QueueLimits {
  name: string
}

/** A checked queue definition, as stored. */
export interface QueueDefinition {
  name: string
  concurrency: number | null
  keyConcurrency: number | null
  rateLimit: number | null
  ratePeriodMs: number | null
}

/** Options of a schedule call that put an execution under flow control. */
export interface DedupeOptions {
  /** Same workflow and same key while the first has not started: that one is returned. */
  key: string
  /** How long after the first schedule the key holds (default: until it starts). */
  window?: Duration
}

/** The longest dedupe window when none is given: until the execution starts, within reason. */
export const DEFAULT_DEDUPE_WINDOW_MS = 3650 * 86_400_000

function invalid(what: string, path: string, message: string): ZartError {
  const issues: FieldIssue[] = [{ path, message }]
  return new ZartError('INVALID_INPUT', `invalid ${what}: ${message}`, { issues })
}

function limit(value: unknown, path: string, queue: string, meaning: string): number | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1_000_000) {
    throw invalid(
      `queue "${queue}"`,
      path,
      `${path} must be a whole number from 1 to 1000000 (${meaning}), got ${JSON.stringify(value) ?? String(value)}; ` +
        `use at least 1, or leave it out for no limit (to stop a queue, pause its executions)`,
    )
  }
  return value
}

/**
 * Checks a queue definition: a valid name, and each limit a whole number of at least 1
 * (or absent, for no limit); a rate limit needs both `limit` and a `period` of at least 1 ms.
 * Throws INVALID_INPUT naming the field and the fix; returns the stored form.
 *
 * @example
 * checkQueue({ name: 'emails', concurrency: 5, keyConcurrency: 1, rateLimit: { limit: 100, period: '1m' } })
 * checkQueue({ name: 'emails', concurrency: 0 }) // throws: concurrency must be a whole number from 1...
 */
export function checkQueue(options: QueueOptions): QueueDefinition {
  const name = checkName(QUEUE_NAME, options.name)
  const concurrency = limit(options.concurrency, 'concurrency', name, 'executions running at once')
  const keyConcurrency = limit(options.keyConcurrency, 'keyConcurrency', name, 'running at once per concurrency key')
  let rateLimit: number | null = null
  let ratePeriodMs: number | null = null
  if (options.rateLimit !== undefined && options.rateLimit !== null) {
    const rate = options.rateLimit as { limit?: unknown; period?: unknown }
    if (typeof rate !== 'object') {
      throw invalid(
        `queue "${name}"`,
        'rateLimit',
        'rateLimit must be { limit, period }, e.g. { limit: 10, period: "1m" }',
      )
    }
    rateLimit = limit(rate.limit, 'rateLimit.limit', name, 'starts per period')
    if (rateLimit === null) {
      throw invalid(
        `queue "${name}"`,
        'rateLimit.limit',
        'rateLimit.limit is missing: give the starts allowed per period',
      )
    }
    if (rate.period === undefined || rate.period === null) {
      throw invalid(`queue "${name}"`, 'rateLimit.period', 'rateLimit.period is missing: give a duration such as "1m"')
    }
    ratePeriodMs = parseDuration(rate.period as Duration, `queue "${name}" rateLimit.period`)
    if (ratePeriodMs < 1) {
      throw invalid(
        `queue "${name}"`,
        'rateLimit.period',
        'rateLimit.period must be at least 1ms: use e.g. "1s" or "1m"',
      )
    }
  }
  return { name, concurrency, keyConcurrency, rateLimit, ratePeriodMs }
}

/** Throws INVALID_INPUT unless `name` is a valid queue name. */
export function checkQueueName(name: unknown): string {
  return checkName(QUEUE_NAME, name)
}

/** Throws INVALID_INPUT unless `key` is a valid concurrency key. */
export function checkConcurrencyKey(key: unknown): string {
  const problem = nameProblem({ ...QUEUE_KEY, what: 'concurrency key' }, key)
  if (problem !== undefined) throw invalid('concurrency key', 'concurrencyKey', problem)
  return key as string
}

/** Throws INVALID_INPUT unless `priority` is an integer from -1000000 to 1000000. */
export function checkPriority(priority: unknown): number {
  if (typeof priority !== 'number' || !Number.isInteger(priority) || Math.abs(priority) > MAX_PRIORITY) {
    throw invalid(
      'priority',
      'priority',
      `priority must be a whole number from -${MAX_PRIORITY} to ${MAX_PRIORITY} (larger runs first), got ${JSON.stringify(priority) ?? String(priority)}`,
    )
  }
  return priority
}

/** Checks dedupe options; returns the key and the window in ms. */
export function checkDedupe(dedupe: DedupeOptions): { key: string; windowMs: number } {
  const problem = nameProblem({ ...QUEUE_KEY, what: 'dedupe key' }, dedupe?.key)
  if (problem !== undefined) throw invalid('dedupe', 'dedupe.key', problem)
  const windowMs =
    dedupe.window === undefined ? DEFAULT_DEDUPE_WINDOW_MS : parseDuration(dedupe.window, 'dedupe window')
  if (windowMs < 1) throw invalid('dedupe', 'dedupe.window', 'dedupe window must be at least 1ms: use e.g. "30s"')
  return { key: dedupe.key, windowMs }
}
