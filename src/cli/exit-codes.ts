import type { ErrorCode } from '../errors.ts'

/** Exit codes of the `zart` command. Scripts and agents branch on these. */
export const EXIT = {
  /** Done; for `wait`, the execution completed. */
  OK: 0,
  /** An unexpected error; for `wait`, the execution failed, was cancelled or timed out. */
  FAILED: 1,
  /** Bad input: fix the command and run it again. Nothing was changed. */
  USAGE: 2,
  /** `wait --timeout` passed before the execution finished; it is still going. */
  WAIT_TIMED_OUT: 3,
  /** Stopped by SIGINT or SIGTERM before it was done (the shell convention, 128 + 2). */
  INTERRUPTED: 130,
} as const

/**
 * The one table from error code to exit code. Everything a caller can fix (a name, an
 * id, a payload, a flag) exits 2; only zart's own failures exit 1.
 */
export const EXIT_CODES: Record<ErrorCode, number> = {
  INVALID_INPUT: EXIT.USAGE,
  UNKNOWN_WORKFLOW: EXIT.USAGE,
  EXECUTION_NOT_FOUND: EXIT.USAGE,
  SCHEDULE_NOT_FOUND: EXIT.USAGE,
  ID_CONFLICT: EXIT.USAGE,
  EXECUTION_TERMINAL: EXIT.USAGE,
  SCHEMA_TOO_NEW: EXIT.USAGE,
  MIGRATIONS_PENDING: EXIT.USAGE,
  UNSUPPORTED_DATABASE: EXIT.USAGE,
  PAYLOAD_TOO_LARGE: EXIT.USAGE,
  DATABASE_UNAVAILABLE: EXIT.FAILED,
  STORE_REJECTED: EXIT.FAILED,
  INTERNAL: EXIT.FAILED,
}
