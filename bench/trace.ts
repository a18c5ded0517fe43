/**
 * Where the time of one execution goes: runs the 3-step workflow one execution at a
 * time with the worker in this process, records every store call (start, end) against
 * the moment `schedule` was called, and prints the median timeline beside the raw
 * single-row commit time measured in the same run.
 *
 *   npx tsx bench/trace.ts [--db postgres://…|mysql://…] [--samples 100] [--sync NORMAL (SQLite)]
 */
import { join } from 'node:path'
import { createZart, openStore, SqliteStore, type Store } from '../src/index.ts'
import { fmt, median, table, tempFolder } from './stats.ts'
import { threeSteps } from './workflows.ts'

const args = process.argv.slice(2)
const valueOf = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? args[at + 1] : undefined
}
const SAMPLES = Number(valueOf('samples') ?? 100)
const SYNC = valueOf('sync') === 'NORMAL' ? 'NORMAL' : 'FULL'

interface Span {
  call: string
  start: number
  end: number
}

/** Wraps every method of `store` so each call is recorded as a span. */
function traced(store: Store, spans: Span[], origin: () => number): Store {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver)
      if (typeof value !== 'function' || key === 'constructor') return value
      return (...callArgs: unknown[]) => {
        const start = performance.now() - origin()
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, callArgs)
        let call = String(key)
        if (key === 'commit') call = `commit(${(callArgs[0] as { kind: string }[]).map((w) => w.kind).join(',')})`
        const record = () => spans.push({ call, start, end: performance.now() - origin() })
        if (result instanceof Promise) return result.finally(record)
        record()
        return result
      }
    },
  })
}

async function main(): Promise<void> {
  const url = valueOf('db') ?? `sqlite:${join(tempFolder('trace'), 'zart.db')}`
  const { dialect, raw } = await rawCommitMs(url)
  const store = url.startsWith('sqlite:')
    ? new SqliteStore(url.slice('sqlite:'.length), { synchronous: SYNC })
    : await openStore(url)
  const spans: Span[] = []
  let t0 = 0
  const zart = await createZart({ db: traced(store, spans, () => t0), workflows: [threeSteps] })
  zart.startWorker()
  const runs: { spans: Span[]; total: number }[] = []
  for (let i = 0; i < SAMPLES + 10; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20))
    spans.length = 0
    t0 = performance.now()
    const { execution_id } = await zart.schedule('bench-three-steps', { n: i })
    await zart.wait(execution_id, { timeout: '10s' })
    const total = performance.now() - t0
    if (i >= 10) runs.push({ spans: [...spans], total })
  }
  await zart.close()
  await store.close()

  // Median start and end of the n-th call of each kind, over the runs that made it.
  const rows: { call: string; start: number; end: number; seen: number }[] = []
  const keyed = new Map<string, { starts: number[]; ends: number[] }>()
  for (const run of runs) {
    const count = new Map<string, number>()
    for (const span of [...run.spans].sort((a, b) => a.start - b.start)) {
      const n = (count.get(span.call) ?? 0) + 1
      count.set(span.call, n)
      const key = n > 1 ? `${span.call} #${n}` : span.call
      const entry = keyed.get(key) ?? { starts: [], ends: [] }
      entry.starts.push(span.start)
      entry.ends.push(span.end)
      keyed.set(key, entry)
    }
  }
  for (const [call, { starts, ends }] of keyed) {
    rows.push({ call, start: median(starts), end: median(ends), seen: starts.length })
  }
  rows.sort((a, b) => a.start - b.start)
  const floor = 5 * raw
  const p50 = median(runs.map((r) => r.total))
  table(`One 3-step execution at a time on ${dialect}, worker in this process (${SAMPLES} runs, medians in ms)`, [
    ['raw single-row commit', `${fmt(raw, 3)} ms`],
    ['floor: 5 raw commits', `${fmt(floor, 2)} ms`],
    ['schedule → completed p50', `${fmt(p50, 2)} ms`],
    ['p50 ÷ floor', fmt(p50 / floor, 2)],
  ])
  table(
    'Store calls (start → end, share of runs that made the call)',
    rows.map((r) => [
      r.call,
      `${fmt(r.start, 2).padStart(7)} → ${fmt(r.end, 2).padStart(7)}  (${fmt(r.end - r.start, 2)} ms, ${fmt((100 * r.seen) / runs.length)}%)`,
    ]),
  )
}

/** The time of one raw single-row commit on the same server, in ms. */
async function rawCommitMs(url: string): Promise<{ dialect: string; raw: number }> {
  if (url.startsWith('sqlite:')) {
    const Database = (await import('better-sqlite3')).default
    const db = new Database(join(tempFolder('raw'), 'raw.db'))
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${SYNC}`)
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)')
    const insert = db.prepare('INSERT INTO t (payload) VALUES (?)')
    const started = performance.now()
    let n = 0
    while (performance.now() - started < 1500) {
      insert.run('x'.repeat(200))
      n++
    }
    const ms = (performance.now() - started) / n
    db.close()
    return { dialect: `SQLite (synchronous=${SYNC})`, raw: ms }
  }
  const { mysqlDialect, postgresDialect } = await import('./backend-dialects.ts')
  const dialect = url.startsWith('postgres') ? await postgresDialect(url) : await mysqlDialect(url)
  const rate = await dialect.rawCommits(1, 2000)
  await dialect.end()
  return { dialect: dialect.name, raw: 1000 / rate }
}

await main()
