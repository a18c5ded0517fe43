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
