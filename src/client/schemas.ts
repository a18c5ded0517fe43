import { z } from 'zod'
import {
  CATCH_UP_ERROR,
  CATCH_UP_POLICIES,
  CRON_EXPRESSION,
  EXECUTION_STATUS_ERROR,
  EXECUTION_STATUSES,
  OVERLAP_ERROR,
  OVERLAP_POLICIES,
} from './validate.ts'
import { ZartError } from '../errors.ts'
import type { QueueLimits } from '../queues.ts'
import type { ScheduleOptions } from './types.ts'
import {
  EVENT_ID,
  EVENT_NAME,
  EXECUTION_ID,
  IDEMPOTENCY_KEY,
  nameProblem,
  SCHEDULE_NAME,
  WORKFLOW_NAME,
  type NameRule,
} from '../names.ts'

/**
 * Shapes every door accepts, validated once here before anything reaches the engine or
 * SQL. The CLI, the MCP tools and the REST routes build on these same schemas; the name
 * schemas are `src/names.ts`'s rules, so the engine and every door agree on each name.
 */
function nameSchema(rule: NameRule) {
  return z
    .string({ error: `${rule.what} must be a string` })
    .superRefine((value, ctx) => {
      const problem = nameProblem(rule, value)
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
    })
    .meta({ minLength: 1, maxLength: rule.max, pattern: rule.pattern.source })
}

export const executionIdSchema = nameSchema(EXECUTION_ID)
export const workflowNameSchema = nameSchema(WORKFLOW_NAME)
export const eventNameSchema = nameSchema(EVENT_NAME)
export const idempotencyKeySchema = nameSchema(IDEMPOTENCY_KEY)
export const eventIdSchema = nameSchema(EVENT_ID)
export const scheduleNameSchema = nameSchema(SCHEDULE_NAME)

export const overlapSchema = z.enum(OVERLAP_POLICIES, { error: OVERLAP_ERROR })
export const catchUpSchema = z.enum(CATCH_UP_POLICIES, { error: CATCH_UP_ERROR })
/** A cron expression as text; `parseCron` (src/cron.ts) is the rule on what it says. */
export const cronExpressionSchema = z
  .string({ error: CRON_EXPRESSION.notString })
  .min(1, CRON_EXPRESSION.empty)
  .max(CRON_EXPRESSION.max, CRON_EXPRESSION.tooLong)

export const executionStatusSchema = z.enum(EXECUTION_STATUSES, { error: EXECUTION_STATUS_ERROR })

/** A page size or count from 1 to `max`. */
export function limitSchema(max: number) {
  return z.number().int().min(1).max(max)
}

// The client checks without zod (validate.ts); these are here too for the doors that import them from here.
export {
  CATCH_UP_POLICIES,
  EXECUTION_STATUSES,
  fieldIssues,
  MAX_LIST_LIMIT,
  OVERLAP_POLICIES,
  parseData,
  parseOrThrow,
} from './validate.ts'

/**
 * A queue's limits as the MCP `set_queue` tool and `PUT /api/v1/queues/{name}` take them.
 * Only types are checked here: the limits themselves (at least 1, a period of at least
 * 1 ms) are checked by the client's `setQueue`, the one rule every door shares.
 */
export const queueLimitsShape = {
  concurrency: z
    .number()
    .nullable()
    .optional()
    .meta({ minimum: 1 })
    .describe('At most this many executions of the queue running at once; leave out (or null) for no limit'),
  key_concurrency: z
    .number()
    .nullable()
    .optional()
    .meta({ minimum: 1 })
    .describe('At most this many running at once per concurrency key (e.g. 1 per user); null: no limit'),
  rate_limit: z
    .object({
      limit: z.number().meta({ minimum: 1 }).describe('Starts allowed per period'),
      period: z.union([z.string(), z.number()]).describe('The window: ms, or "1s", "1m", "1h"'),
    })
    .nullable()
    .optional()
    .describe('At most `limit` executions started in any `period`; null: no limit'),
}

/** The flow-control fields of a schedule call at the MCP and REST doors (docs/queues.md). */
export const scheduleFlowShape = {
  queue: z.string().optional().describe("Run under this queue's limits instead of the workflow's; it must be defined"),
  concurrency_key: z
    .string()
    .optional()
    .describe("The key of the queue's per-key limit, e.g. a user id: at most N running per key"),
  priority: z.number().optional().describe('Order among the due executions of the queue: larger first (default 0)'),
  dedupe_key: z
    .string()
    .optional()
    .describe('Return the execution scheduled with this key that has not started yet, instead of a new one'),
  dedupe_window: z
    .union([z.string(), z.number()])
    .optional()
    .describe('How long after scheduling the dedupe key holds, e.g. "5m" (default: until it starts)'),
}

/** The client's schedule options from `scheduleFlowShape` fields. */
export function flowOptions(args: {
  queue?: string | undefined
  concurrency_key?: string | undefined
  priority?: number | undefined
  dedupe_key?: string | undefined
  dedupe_window?: string | number | undefined
}): Pick<ScheduleOptions, 'queue' | 'concurrencyKey' | 'priority' | 'dedupe'> {
  if (args.dedupe_window !== undefined && args.dedupe_key === undefined) {
    throw new ZartError('INVALID_INPUT', 'dedupe_window needs dedupe_key: give the key to deduplicate on', {
      issues: [{ path: 'dedupe_window', message: 'needs dedupe_key' }],
    })
  }
  return {
    ...(args.queue !== undefined && { queue: args.queue }),
    ...(args.concurrency_key !== undefined && { concurrencyKey: args.concurrency_key }),
    ...(args.priority !== undefined && { priority: args.priority }),
    ...(args.dedupe_key !== undefined && {
      dedupe: { key: args.dedupe_key, ...(args.dedupe_window !== undefined && { window: args.dedupe_window }) },
    }),
  }
}

/** The client's queue limits from `queueLimitsShape` fields. */
export function queueLimits(args: {
  concurrency?: number | null | undefined
  key_concurrency?: number | null | undefined
  rate_limit?: { limit: number; period: string | number } | null | undefined
}): QueueLimits {
  return {
    ...(args.concurrency != null && { concurrency: args.concurrency }),
    ...(args.key_concurrency != null && { keyConcurrency: args.key_concurrency }),
    ...(args.rate_limit != null && { rateLimit: args.rate_limit }),
  }
}
