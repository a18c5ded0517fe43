import { ZartError } from './errors.ts'

/** A duration: milliseconds, or a string such as `"500ms"`, `"2s"`, `"10m"`, `"24h"`, `"7d"`. */
export type Duration = number | string

const DAY_MS = 86_400_000

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: DAY_MS,
}

const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/

/**
 * The longest duration zart accepts anywhere: 3650 days (about ten years). Every duration
 * becomes a time stored as `now + duration` (a deadline, a wake-up, a lease expiry), and
 * must stay a time every door can show: ten years is far past any real timeout, sleep or
 * retention, yet `now + 3650d` stays a four-digit-year ISO time and a safe integer. Without
 * a bound, `"100000000d"` was accepted and made every later `status` and `list` fail.
 */
export const MAX_DURATION_MS = 3650 * DAY_MS

const HINT = 'use milliseconds or a string like "500ms", "2s", "10m", "24h", "7d"'

/**
 * Converts a duration to milliseconds; a bare number (or numeric string) is milliseconds.
 * Refuses, with an INVALID_INPUT ZartError naming `what` and the value, anything that is
 * not a duration, negative, not finite, or above `MAX_DURATION_MS`. Every door (library,
 * CLI flags, MCP, REST, workflow options) parses durations here, so all refuse the same.
 *
 * @example
 * parseDuration('10m') // 600000
 * parseDuration(250)   // 250
 * parseDuration('100000000d', 'workflow timeout') // throws: ... is too long: at most 3650d
 */
export function parseDuration(value: Duration, what = 'duration'): number {
  const shown = JSON.stringify(value) ?? String(value)
  let ms: number
  if (typeof value === 'number') {
    if (Number.isNaN(value) || !Number.isFinite(value)) {
      throw new ZartError('INVALID_INPUT', `${what} ${String(value)} is not a finite number: ${HINT}`)
    }
    if (value < 0) throw new ZartError('INVALID_INPUT', `${what} ${value} is negative: ${HINT}`)
    ms = value
  } else {
    const match = typeof value === 'string' ? PATTERN.exec(value.trim()) : null
    if (!match) throw new ZartError('INVALID_INPUT', `${what} ${shown} is not a duration: ${HINT}`)
    ms = Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1)
  }
  if (!(ms <= MAX_DURATION_MS)) {
    throw new ZartError(
      'INVALID_INPUT',
      `${what} ${shown} is too long: at most 3650d (about ten years) is accepted; use a shorter duration`,
    )
  }
  return Math.round(ms)
}

/** Date's own range ends at ±8.64e15 ms, but only years 0000-9999 print as plain ISO 8601. */
const LATEST_ISO = '9999-12-31T23:59:59.999Z'
const EARLIEST_ISO = '0000-01-01T00:00:00.000Z'
const LATEST_ISO_MS = Date.parse(LATEST_ISO)
const EARLIEST_ISO_MS = Date.parse(EARLIEST_ISO)

/**
 * An ISO 8601 time for `ms` since the epoch that never throws: a stored number out of
 * range (rows written before durations were bounded) is clamped to `9999-12-31T23:59:59.999Z`
 * or `0000-01-01T00:00:00.000Z`, so such rows still show in `status` and `list` instead of
 * failing them with a RangeError. NaN shows as the epoch.
 *
 * @example
 * isoTime(0)                       // '1970-01-01T00:00:00.000Z'
 * isoTime(Number.MAX_SAFE_INTEGER) // '9999-12-31T23:59:59.999Z'
 */
export function isoTime(ms: number): string {
  if (Number.isNaN(ms)) return new Date(0).toISOString()
  if (ms > LATEST_ISO_MS) return LATEST_ISO
  if (ms < EARLIEST_ISO_MS) return EARLIEST_ISO
  return new Date(ms).toISOString()
}
