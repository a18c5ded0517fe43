import { z } from 'zod'
import { ZartError, type FieldIssue } from '../errors.ts'
import { unknownKeys } from './unknown-keys.ts'
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

export const OVERLAP_POLICIES = ['skip', 'queue', 'allow'] as const
export const overlapSchema = z.enum(OVERLAP_POLICIES, {
  error: `overlap must be one of ${OVERLAP_POLICIES.join(', ')} (skip: no new run while the last tick's runs; queue: start it when that one ends; allow: start it anyway)`,
})
export const CATCH_UP_POLICIES = ['none', 'latest', 'all'] as const
export const catchUpSchema = z.enum(CATCH_UP_POLICIES, {
  error: `catch-up must be one of ${CATCH_UP_POLICIES.join(', ')} (none: skip ticks missed while no worker ran; latest: run the most recent one; all: run each, up to 100)`,
})
/** A cron expression as text; `parseCron` (src/cron.ts) is the rule on what it says. */
export const cronExpressionSchema = z
  .string({ error: 'cron expression must be a string' })
  .min(1, 'cron expression must not be empty')
  .max(256, 'cron expression is over 256 characters')

export const EXECUTION_STATUSES = [
  'pending',
  'running',
  'waiting',
  'completed',
  'failed',
  'cancelled',
  'timed_out',
] as const
export const executionStatusSchema = z.enum(EXECUTION_STATUSES, {
  error: `status must be one of ${EXECUTION_STATUSES.join(', ')}`,
})

export const MAX_LIST_LIMIT = 100

/** Turns zod issues into field issues with dotted paths. */
export function fieldIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.') || prefix || '(root)',
    message: issue.message,
  }))
}

/** Parses `value` or throws INVALID_INPUT naming each bad field. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issues = fieldIssues(result.error)
  const text = issues.map((i) => (i.path === '(root)' ? i.message : `${i.path}: ${i.message}`)).join('; ')
  throw new ZartError('INVALID_INPUT', `invalid ${what}: ${text}`, { issues })
}

/**
 * Parses workflow data (schedule input, event payload) and refuses keys the schema does
 * not declare, instead of letting zod drop them: an agent that misspells `orderId` as
 * `order_id` learns it at once. See `unknownKeys` for which schemas are looked into.
 */
export function parseData<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const data = parseOrThrow(schema, value, what)
  const unknown = unknownKeys(schema, value)
  if (unknown.length === 0) return data
  const issues = unknown.map((path) => ({
    path: path.join('.'),
    message: `unknown key "${path[path.length - 1] ?? ''}": the schema does not declare it`,
  }))
  const paths = issues.map((i) => `"${i.path}"`).join(', ')
  throw new ZartError(
    'INVALID_INPUT',
    `invalid ${what}: unknown key${unknown.length > 1 ? 's' : ''} ${paths}; remove ${unknown.length > 1 ? 'them' : 'it'} or check the spelling against the schema`,
    { issues, unknown_keys: issues.map((i) => i.path) },
  )
}

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
