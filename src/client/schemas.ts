import { z } from 'zod'
import { ZartError, type FieldIssue } from '../errors.ts'

/**
 * Shapes every door accepts, validated once here before anything reaches the engine or
 * SQL. The CLI, the MCP tools and the REST routes build on these same schemas.
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:\-/]*$/
const name = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`)
    .regex(NAME, `${what} may contain only letters, digits and _ . : - / (starting with a letter or digit)`)

export const executionIdSchema = name('execution id', 128)
export const workflowNameSchema = name('workflow name', 128)
export const eventNameSchema = name('event name', 128)
export const idempotencyKeySchema = z
  .string()
  .min(1, 'idempotency key must not be empty')
  .max(256, 'idempotency key must be at most 256 characters')
  .refine((s) => !/\p{Cc}/u.test(s), 'idempotency key must not contain control characters')
export const eventIdSchema = idempotencyKeySchema

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
