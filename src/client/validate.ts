import type { z } from 'zod'
import { ZartError, type FieldIssue } from '../errors.ts'
import { nameProblem, type NameRule } from '../names.ts'
import { unknownKeys } from './unknown-keys.ts'

/**
 * The client's own checks, without loading zod: `zart status` and the other commands that
 * only read pay for every module they load, and zod is most of what a read would load.
 * The doors' zod schemas (`schemas.ts`) are built from the same rules and messages, so a
 * value is refused with the same error whichever end it enters by.
 */

export const MAX_LIST_LIMIT = 100

export const EXECUTION_STATUSES = [
  'pending',
  'running',
  'waiting',
  'completed',
  'failed',
  'cancelled',
  'timed_out',
] as const
export const EXECUTION_STATUS_ERROR = `status must be one of ${EXECUTION_STATUSES.join(', ')}`

export const OVERLAP_POLICIES = ['skip', 'queue', 'allow'] as const
export const OVERLAP_ERROR = `overlap must be one of ${OVERLAP_POLICIES.join(', ')} (skip: no new run while the last tick's runs; queue: start it when that one ends; allow: start it anyway)`
export const CATCH_UP_POLICIES = ['none', 'latest', 'all'] as const
export const CATCH_UP_ERROR = `catch-up must be one of ${CATCH_UP_POLICIES.join(', ')} (none: skip ticks missed while no worker ran; latest: run the most recent one; all: run each, up to 100)`

/** What a cron expression must be as text; `parseCron` (src/cron.ts) is the rule on what it says. */
export const CRON_EXPRESSION = {
  max: 256,
  notString: 'cron expression must be a string',
  empty: 'cron expression must not be empty',
  tooLong: 'cron expression is over 256 characters',
} as const

/** INVALID_INPUT as `parseOrThrow` words it for one problem with the whole value. */
function invalid(what: string, message: string): ZartError {
  return new ZartError('INVALID_INPUT', `invalid ${what}: ${message}`, { issues: [{ path: '(root)', message }] })
}

/** Returns `value` when it is a valid name under `rule`, else throws INVALID_INPUT about `what`. */
export function checkName(rule: NameRule, value: unknown, what: string = rule.what): string {
  const problem = nameProblem(rule, value)
  if (problem === undefined) return value as string
  throw invalid(what, problem)
}

/** Returns `value` when it is one of `values`, else throws INVALID_INPUT with `message`. */
export function checkOneOf<T extends string>(values: readonly T[], value: unknown, message: string, what: string): T {
  if (values.includes(value as T)) return value as T
  throw invalid(what, message)
}

/** Returns a cron expression's text when it is a string of 1 to 256 characters. */
export function checkCronExpression(value: unknown): string {
  if (typeof value !== 'string') throw invalid('cron expression', CRON_EXPRESSION.notString)
  if (value.length === 0) throw invalid('cron expression', CRON_EXPRESSION.empty)
  if (value.length > CRON_EXPRESSION.max) throw invalid('cron expression', CRON_EXPRESSION.tooLong)
  return value
}

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
