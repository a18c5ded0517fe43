/** Small helpers shared by the benchmarks: percentiles, formatting, temp folders. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index] ?? NaN
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50)
}

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a'

export function tempFolder(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `zart-bench-${prefix}-`))
}

/** Prints a two-column table of label → value lines under a heading. */
export function table(heading: string, rows: ReadonlyArray<readonly [string, string]>): void {
  const width = Math.max(...rows.map(([label]) => label.length))
  console.log(`\n${heading}`)
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`)
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Wall time since the epoch with sub-millisecond resolution, comparable across processes. */
export const wallNow = (): number => performance.timeOrigin + performance.now()

/**
 * The sections a benchmark runs: `--sections a,b` from `args`, or all of `known`. A name
 * it does not know stops it with the names it does, rather than running nothing.
 */
export function chosenSections(args: readonly string[], known: readonly string[]): Set<string> {
  const at = args.indexOf('--sections')
  if (at < 0) return new Set(known)
  const asked = (args[at + 1] ?? '').split(',').filter((name) => name !== '')
  const unknown = asked.filter((name) => !known.includes(name))
  if (asked.length === 0 || unknown.length > 0) {
    console.error(`--sections takes a comma-separated list of: ${known.join(', ')} (got "${args[at + 1] ?? ''}")`)
    process.exit(2)
  }
  return new Set(asked)
}
