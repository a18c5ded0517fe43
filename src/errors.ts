import { isoTime } from './duration.ts'
/**
 * Every error zart reports to a caller carries a stable string `code` from this closed
 * list. Transports map codes to exit codes, HTTP statuses and MCP `isError` results in
 * one table each (see `src/cli/exit-codes.ts`), so the same mistake reads the same way
 * through every door.
 */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'UNKNOWN_WORKFLOW'
  | 'EXECUTION_NOT_FOUND'
  | 'SCHEDULE_NOT_FOUND'
  | 'ID_CONFLICT'
  | 'EXECUTION_TERMINAL'
  | 'SCHEMA_TOO_NEW'
  | 'MIGRATIONS_PENDING'
  | 'UNSUPPORTED_DATABASE'
  | 'PAYLOAD_TOO_LARGE'
  | 'DATABASE_UNAVAILABLE'
  /** The database refused one write (a value it cannot store); the others of its batch went in. */
  | 'STORE_REJECTED'
  | 'INTERNAL'

/** Where a validation error points: the path of the bad field and what was wrong. */
export interface FieldIssue {
  path: string
  message: string
}

/**
 * The one error class zart throws at callers. `message` says what was wrong and what to
 * do next; `details` carries machine-readable context (field issues, known names).
 *
 * @example
 * try { await zart.status('nope') } catch (e) {
 *   if (e instanceof ZartError && e.code === 'EXECUTION_NOT_FOUND') ...
 * }
 */
export class ZartError extends Error {
  override readonly name = 'ZartError'
  readonly code: ErrorCode
  readonly details: Record<string, unknown> | undefined

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.details = details
  }

  /** A plain object safe to send to any client: no stack, no internals. */
  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details }
  }
}

/** True for any ZartError, even one created by another copy of this module. */
export function isZartError(value: unknown): value is ZartError {
  return value instanceof ZartError || (value instanceof Error && value.name === 'ZartError')
}

/**
 * Thrown by workflow code (inside a step or outside) to say "retrying cannot help":
 * the step fails at once whatever its retry policy, and the workflow is not retried.
 *
 * @example
 * if (card.declined) throw new NonRetryableError('card declined')
 */
export class NonRetryableError extends Error {
  override readonly name: string = 'NonRetryableError'
}

/**
 * Raised inside a workflow by `ctx.waitForEvent` when its timeout passes before the
 * event arrives. The workflow may catch it and carry on.
 */
export class EventTimeoutError extends Error {
  override readonly name = 'EventTimeoutError'
  readonly event: string

  constructor(event: string, deadline: number) {
    super(`no "${event}" event arrived before ${isoTime(deadline)}`)
    this.event = event
  }
}

/**
 * Raised inside a workflow by `ctx.step` when the step failed for good (attempts used up,
 * or a non-retryable error). On replay the same error is raised again from the stored
 * record, so a workflow that catches it behaves the same on every run.
 */
export class StepFailedError extends Error {
  override readonly name = 'StepFailedError'
  readonly step: string
  readonly attempts: number
  readonly cause: SerializedError

  constructor(step: string, attempts: number, cause: SerializedError) {
    super(`step "${step}" failed after ${attempts} attempt(s): ${cause.message}`)
    this.step = step
    this.attempts = attempts
    this.cause = cause
  }
}

/**
 * Raised inside a parent workflow by `ctx.child` (or a child handle's `result()`) when the
 * child execution ended otherwise than completed: failed, cancelled or timed out. `cause`
 * is the child's own stored error, with its `code` when it had one. On replay the same
 * error is raised again, so a parent that catches it behaves the same on every run.
 */
export class ChildFailedError extends Error {
  override readonly name = 'ChildFailedError'
  /** The child execution's id. */
  readonly child: string
  readonly workflow: string
  readonly status: 'failed' | 'cancelled' | 'timed_out'
  readonly cause: SerializedError

  constructor(child: string, workflow: string, status: ChildFailedError['status'], cause: SerializedError) {
    super(`child workflow "${workflow}" (${child}) ${status.replace('_', ' ')}: ${cause.message}`)
    this.child = child
    this.workflow = workflow
    this.status = status
    this.cause = cause
  }
}

/** The stored form of an error: what survives a round trip through the database. */
export interface SerializedError {
  name: string
  message: string
  code?: string
  nonRetryable?: boolean
}

/** Turns anything thrown into its stored form. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const out: SerializedError = { name: error.name, message: error.message }
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string') out.code = code
    if (error instanceof NonRetryableError || error.name === 'NonRetryableError') {
      out.nonRetryable = true
    }
    return out
  }
  return { name: 'Error', message: typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error)) }
}

/** Node socket errors that mean the database server could not be reached or went away. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  // mysql2
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
])

/**
 * PostgreSQL SQLSTATEs of the same: class 08 (connection exception), the server shutting
 * down or starting up (57P01-57P03), too many connections (53300).
 */
const PG_UNAVAILABLE = /^(08...|57P0[1-3]|53300)$/

/** Messages of driver errors that carry no code: pg's pool and client. */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i

/**
 * Recognises a failure of the database itself (unreachable, restarting, overloaded, or a
 * SQLite file locked past its busy timeout) and says so as a ZartError the CLI, MCP and
 * REST doors report like any other: DATABASE_UNAVAILABLE, with what to do. Undefined for
 * anything else, which stays an internal error.
 */
export function databaseUnavailable(error: unknown): ZartError | undefined {
  if (typeof error !== 'object' || error === null || isZartError(error)) return undefined
  const { code, message } = error as { code?: unknown; message?: unknown }
  const text = typeof message === 'string' ? message : ''
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new ZartError(
      'DATABASE_UNAVAILABLE',
      'the SQLite database stayed locked by another process past the busy timeout; retry the call',
    )
  }
  const matched =
    (typeof code === 'string' && (UNREACHABLE.has(code) || PG_UNAVAILABLE.test(code))) || UNAVAILABLE_MESSAGE.test(text)
  if (!matched) return undefined
  return new ZartError(
    'DATABASE_UNAVAILABLE',
    `the database did not answer (${typeof code === 'string' ? code : text}): check that it is running and ` +
      'reachable, then retry; if the connection broke during a schedule or an event, check with status ' +
      'whether it took effect before repeating it',
  )
}

/**
 * What a caller is told, at every door: a ZartError as it is, a failure of the database
 * itself as DATABASE_UNAVAILABLE, and undefined for anything else (an internal error,
 * which the door logs and reports without details).
 */
export function asZartError(error: unknown): ZartError | undefined {
  return isZartError(error) ? error : databaseUnavailable(error)
}
