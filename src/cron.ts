import { Cron } from 'croner'
import { ZartError } from './errors.ts'

/**
 * Cron expressions, parsed by `croner` (a maintained library with no dependencies that
 * computes runs in any IANA time zone and handles daylight-saving gaps and repeats), never
 * by hand. Every door and the worker parse through `parseCron`, so an expression accepted
 * when a schedule is added is one the worker can always compute ticks for.
 *
 * Accepted: five fields (`minute hour day-of-month month day-of-week`), or six with a
 * leading seconds field, and the nicknames `@hourly`, `@daily`, `@weekly`, `@monthly`,
 * `@yearly`. Day of month and day of week combine with OR, as in Vixie cron.
 */
export interface CronSchedule {
  /** The first tick strictly after `after` (ms since the epoch), or null when none is left. */
  next(after: number): number | null
  /** Up to `n` ticks at or before `at`, most recent first. */
  previous(n: number, at: number): number[]
}

/** The time zone a schedule uses when none is given. */
export const DEFAULT_TIMEZONE = 'UTC'

const EXAMPLE = 'e.g. "0 9 * * 1-5" (09:00 on weekdays) or "*/15 * * * *" (every 15 minutes)'

/**
 * Parses `expression` in `timezone`. Throws INVALID_INPUT naming the mistake and the fix
 * when the expression does not parse, can never fire, or the time zone is unknown.
 *
 * @example
 * parseCron('0 9 * * 1-5', 'Europe/Berlin').next(Date.now())
 */
export function parseCron(expression: string, timezone: string = DEFAULT_TIMEZONE): CronSchedule {
  checkTimezone(timezone)
  let cron: Cron
  try {
    cron = new Cron(expression, { timezone, mode: '5-or-6-parts', paused: true })
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^Cron\w*:\s*/, '') : String(error)
    throw new ZartError(
      'INVALID_INPUT',
      `cron expression ${JSON.stringify(expression)} does not parse (${reason}): give five fields ` +
        `"minute hour day-of-month month day-of-week", ${EXAMPLE}`,
      { issues: [{ path: 'cron', message: reason }] },
    )
  }
  // Parsed, but it may still name a date that never comes (30 February).
  if (cron.nextRun(new Date(0)) === null) {
    throw new ZartError(
      'INVALID_INPUT',
      `cron expression ${JSON.stringify(expression)} never fires (no such date): check the day and month fields, ${EXAMPLE}`,
      { issues: [{ path: 'cron', message: 'never fires' }] },
    )
  }
  return {
    next: (after) => cron.nextRun(new Date(after))?.getTime() ?? null,
    previous: (n, at) => cron.previousRuns(n, new Date(at + 1)).map((d) => d.getTime()),
  }
}

/**
 * Returns the canonical spelling of an IANA time zone this runtime knows (`europe/berlin`
 * gives `Europe/Berlin`); throws INVALID_INPUT for anything else.
 */
export function checkTimezone(timezone: string): string {
  try {
    if (timezone.length > 64) throw new RangeError('too long')
    return new Intl.DateTimeFormat('en', { timeZone: timezone }).resolvedOptions().timeZone
  } catch {
    throw new ZartError(
      'INVALID_INPUT',
      `unknown time zone ${JSON.stringify(timezone)}: give an IANA name such as "UTC", "Europe/Berlin" or "America/New_York"`,
      { issues: [{ path: 'timezone', message: 'unknown time zone' }] },
    )
  }
}
