/**
 * Load benchmark of the REST door: concurrent clients (default 200) each schedule the
 * `load-collect` workflow, deliver its events, poll its status and long-poll for its end,
 * over and over for a while (default 30 s), against one `zart serve` on 127.0.0.1. At the
 * end every execution must be completed with its events in order (none lost, none
 * doubled) and no response may be an error other than an intended one (429 when waits
 * are full). Prints counts, rates and latencies; exits 1 when a check fails.
 *
 *   npx tsx bench/load.ts [--clients 200] [--seconds 30] [--db postgres://…]
 *
 * Opt-in (not part of npm test or npm run bench): it keeps two cores busy for its length.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const args = process.argv.slice(2)
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? (args[at + 1] ?? fallback) : fallback
}
// Bounded whatever is asked: at most 500 clients for at most 2 minutes.
const CLIENTS = Math.min(500, Math.max(1, Number(option('clients', '200')) || 200))
const SECONDS = Math.min(120, Math.max(1, Number(option('seconds', '30')) || 30))
const EVENTS = 3
const folder = mkdtempSync(join(tmpdir(), 'zart-bench-load-'))
const DB = option('db', `sqlite:${join(folder, 'zart.db')}`)
const RUN = Math.random().toString(36).slice(2, 8) // ids unique across runs on one Postgres database
const BIN = fileURLToPath(new URL('../bin/zart.js', import.meta.url))
const WORKFLOW = fileURLToPath(new URL('./load-workflow.ts', import.meta.url))

interface Op {
  count: number
  ms: number[]
}
const ops: Record<string, Op> = {}
const unexpected: string[] = []
let intended = 0

/** The fields of an answer the benchmark reads. */
interface Answer {
  status?: string
  timed_out?: boolean
  output?: { values?: number[] }
  error?: unknown
}

async function request(
  base: string,
  op: string,
  method: string,
  path: string,
  ok: number[],
  json?: unknown,
): Promise<Answer> {
  for (;;) {
    const started = performance.now()
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      ...(json !== undefined && { body: JSON.stringify(json), headers: { 'content-type': 'application/json' } }),
    })
    const body = (await res.json()) as Answer
    const entry = (ops[op] ??= { count: 0, ms: [] })
    entry.count++
    entry.ms.push(performance.now() - started)
    if (res.status === 429) {
      intended++ // every wait slot is taken: the documented answer is to retry shortly
      await new Promise((resolve) => setTimeout(resolve, 200))
      continue
    }
    if (!ok.includes(res.status))
      unexpected.push(`${method} ${path} → ${res.status} ${JSON.stringify(body).slice(0, 200)}`)
    return body
  }
}

async function client(base: string, i: number, deadline: number, ids: string[]): Promise<void> {
  for (let iteration = 0; Date.now() < deadline; iteration++) {
    const id = `load-${RUN}-${i}-${iteration}`
    ids.push(id)
    await request(base, 'schedule', 'POST', '/executions', [201], {
      workflow: 'load-collect',
      id,
      data: { count: EVENTS },
    })
    for (let n = 0; n < EVENTS; n++) {
      await request(base, 'event', 'POST', `/events/${id}/item?event_id=e${n}`, [202], { n })
      await request(base, 'status', 'GET', `/executions/${id}`, [200])
    }
    for (;;) {
      const done = await request(base, 'wait', 'GET', `/executions/${id}/wait?timeout=10`, [200])
      if (!done.timed_out || Date.now() > deadline + 60_000) break
    }
  }
}

function startServer(): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const child = spawn(
    process.execPath,
    [BIN, '--db', DB, '--workflows', WORKFLOW, 'serve', '--port', '0', '--max-waits', String(CLIENTS + 50)],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ZART_LOG_LEVEL: 'warn' } },
  )
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const match = /MCP at (http:\/\/\S+)\/mcp/.exec(out)
      if (match?.[1]) resolve({ url: match[1], stop: () => (child.kill('SIGTERM'), exited) })
    })
    void exited.then((code) => reject(new Error(`zart serve exited (${code}) before listening`)))
  })
}

/** Reads every execution of this run back and checks it finished with its events in order. */
async function verify(base: string, ids: string[]): Promise<{ completed: number; wrong: string[] }> {
  const wrong: string[] = []
  let completed = 0
  const expected = JSON.stringify(Array.from({ length: EVENTS }, (_, n) => n))
  for (const id of ids) {
    const view = await request(base, 'verify', 'GET', `/executions/${id}`, [200])
    if (view.status === 'completed' && JSON.stringify(view.output?.values) === expected) completed++
    else wrong.push(`${id}: ${view.status} ${JSON.stringify(view.output ?? view.error ?? null)}`)
  }
  return { completed, wrong }
}

async function main(): Promise<void> {
  const server = await startServer()
  console.log(`load: ${CLIENTS} clients for ${SECONDS}s against ${server.url} on ${DB.split(':')[0]}`)
  const ids: string[] = []
  const started = Date.now()
  const deadline = started + SECONDS * 1000
  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(server.url, i, deadline, ids)))
  const elapsed = (Date.now() - started) / 1000
  const { completed, wrong } = await verify(server.url, ids)
  const code = await server.stop()
  rmSync(folder, { recursive: true, force: true })

  const row = (name: string): [string, string] => {
    const op = ops[name] ?? { count: 0, ms: [] }
    return [
      name,
      `${fmt(op.count)} (${fmt(op.count / elapsed, 1)}/s), p50 ${fmt(percentile(op.ms, 50), 1)} ms, p99 ${fmt(percentile(op.ms, 99), 1)} ms`,
    ]
  }
  table(`REST load: ${CLIENTS} clients, ${fmt(elapsed, 1)} s`, [
    ...['schedule', 'event', 'status', 'wait'].map(row),
    [
      'executions',
      `${fmt(ids.length)} scheduled, ${fmt(completed)} completed and correct (${fmt(completed / elapsed, 1)}/s)`,
    ],
    ['intended 429s', fmt(intended)],
    ['unexpected errors', fmt(unexpected.length)],
    ['server exit code', String(code)],
  ])
  for (const line of [...unexpected, ...wrong].slice(0, 20)) console.log(`  ! ${line}`)
  process.exitCode = unexpected.length === 0 && wrong.length === 0 && code === 0 ? 0 : 1
}

const percentile = (xs: readonly number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)] ?? NaN
const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a'
function table(heading: string, rows: ReadonlyArray<readonly [string, string]>): void {
  const width = Math.max(...rows.map(([label]) => label.length))
  console.log(`\n${heading}`)
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`)
}

await main()
