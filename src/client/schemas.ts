import { z } from 'zod'
import { ZartError, type FieldIssue } from '../errors.ts'
import { unknownKeys } from './unknown-keys.ts'
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
