import { readFileSync } from 'node:fs'
import { InvalidArgumentError, Option } from 'commander'
import { parseDuration } from '../duration.ts'
import { ZartError } from '../errors.ts'

/**
 * Reads a `--data` value: inline JSON, `@path` for a JSON file, or `@-` for stdin.
 * Bad JSON is the caller's mistake, so it is an INVALID_INPUT error (exit 2).
 */
export function readJsonData(value: string | undefined, flag = '--data'): unknown {
  if (value === undefined) return undefined
  let text = value
  let source = flag
  if (value.startsWith('@')) {
    const path = value.slice(1)
    source = path === '-' ? `${flag} (stdin)` : `${flag} file ${path}`
    try {
      text = readFileSync(path === '-' ? 0 : path, 'utf8')
    } catch (error) {
      throw new ZartError('INVALID_INPUT', `cannot read ${source}: ${(error as Error).message}`)
    }
  }
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new ZartError(
      'INVALID_INPUT',
      `${source} is not valid JSON (${(error as Error).message}): pass a JSON value such as '{"rows": 100}', or @file.json`,
    )
  }
}

/** Commander parser for a whole number of at least 1. */
export function positiveInt(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('expected a whole number of at least 1')
  }
  return n
}

/**
 * Commander parser for a duration (`500ms`, `2s`, `10m`; a bare number is milliseconds),
 * checked by `parseDuration` like a duration at any other door: the same values are
 * refused (not a duration, or above its 3650-day maximum) with the same explanation.
 */
export function duration(value: string): number {
  try {
    return parseDuration(/^\d+$/.test(value.trim()) ? Number(value) : value)
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message} (e.g. 500ms, 2s, 10m or 1h)`)
  }
}

/**
 * Commander parser for seconds (`30`, `0.5`), also taking a duration with a unit (`2m`).
 * Returns ms, bounded like every duration (see `parseDuration`).
 */
export function seconds(value: string): number {
  const trimmed = value.trim()
  try {
    return parseDuration(/^\d+(\.\d+)?$/.test(trimmed) ? `${trimmed}s` : trimmed)
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message} (e.g. 30, or a duration such as 2m)`)
  }
}

/**
 * Commander parser for a number the client checks: an integer-looking value becomes a
 * number, anything else stays text, so the client refuses it with the words it uses at
 * every door (a limit below 1, a priority out of range).
 */
export function number(value: string): number | string {
  return /^-?\d+$/.test(value.trim()) ? Number(value) : value
}

/** Commander collector for options that may repeat. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

/** `--retention`, shared by the commands that run a worker (`worker`, `serve`). */
export function retentionOption(): Option {
  return new Option(
    '--retention <duration>',
    'prune finished executions older than this, hourly (default: keep them)',
  ).argParser(duration)
}
