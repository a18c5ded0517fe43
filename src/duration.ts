import { ZartError } from './errors.ts'

/** A duration: milliseconds, or a string such as `"500ms"`, `"2s"`, `"10m"`, `"24h"`, `"7d"`. */
export type Duration = number | string

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/

/**
 * Converts a duration to milliseconds; a bare number (or numeric string) is milliseconds.
 *
 * @example
 * parseDuration('10m') // 600000
 * parseDuration(250)   // 250
 */
export function parseDuration(value: Duration, what = 'duration'): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return Math.round(value)
  } else {
    const match = PATTERN.exec(value.trim())
    if (match) {
      const ms = Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1)
      if (Number.isFinite(ms)) return Math.round(ms)
    }
  }
  throw new ZartError(
    'INVALID_INPUT',
    `${what} ${JSON.stringify(value)} is not a duration: use milliseconds or a string like "500ms", "2s", "10m", "24h", "7d"`,
  )
}
