/**
 * Load benchmark of the REST door: concurrent clients (default 200) each schedule the
 * `load-collect` workflow, deliver its events, poll its status and long-poll for its end,
 * over and over for a while (default 30 s), against one `zart serve` on 127.0.0.1; and the
 * same mix, as long, through the client API in this process (no HTTP), so the REST
 * figures read as a fraction of what the engine and the database do without the door.
 * The two take turns in slices, so a shared machine's drift hits both alike.
 * At the end of each, every execution must be completed with its events in order (none
 * lost, none doubled) and no response may be an error other than an intended one (429
 * when waits are full). Prints counts, rates, latencies and REST ÷ in-process, and the CPU
 * time each side spent per execution (the server's from its /metrics, the benchmark's
 * own from process.cpuUsage): the REST side runs in two processes, so on a machine
 * busy with other work it loses more than the in-process side to that work, and the CPU
 * figures show what the door costs whatever the load. Exits 1 when a check fails.
 *
 *   npx tsx bench/load.ts [--clients 200] [--seconds 30] [--db postgres://…] [--profile DIR]
 *
 * `--profile DIR` writes a CPU profile of the `zart serve` process to DIR (open it in
 * Chrome DevTools or any .cpuprofile viewer) to see where the REST path spends its time.
 *
 * Opt-in (not part of npm test or npm run bench): it keeps two cores busy for its length.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createZart, type Zart } from '../src/index.ts'
import { loadCollect } from './load-workflow.ts'

const args = process.argv.slice(2)
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? (args[at + 1] ?? fallback) : fallback
}
// Bounded whatever is asked: at most 500 clients for at most 2 minutes.
const CLIENTS = Math.min(500, Math.max(1, Number(option('clients', '200')) || 200))
const SECONDS = Math.min(120, Math.max(1, Number(option('seconds', '30')) || 30))
const EVENTS = 3
/** REST and in-process take turns in this many slices each: drift on a shared machine hits both alike. */
const SLICES = 4
const folder = mkdtempSync(join(tmpdir(), 'zart-bench-load-'))
const DB = option('db', `sqlite:${join(folder, 'zart.db')}`)
const RUN = Math.random().toString(36).slice(2, 8) // ids unique across runs on one Postgres database
const BIN = fileURLToPath(new URL('../bin/zart.js', import.meta.url))
const WORKFLOW = fileURLToPath(new URL('./load-workflow.ts', import.meta.url))
const PROFILE = option('profile', '')

interface Op {
  count: number
  ms: number[]
}

/** What one run of the mix counted: every call by kind, and what went wrong. */
interface Tally {
  ops: Record<string, Op>
  unexpected: string[]
  intended: number
}

const newTally = (): Tally => ({ ops: {}, unexpected: [], intended: 0 })

function record(tally: Tally, op: string, started: number): void {
  const entry = (tally.ops[op] ??= { count: 0, ms: [] })
  entry.count++
  entry.ms.push(performance.now() - started)
}

/** The fields of an answer the benchmark reads. */
interface Answer {
  status?: string
  timed_out?: boolean
  output?: { values?: number[] }
  error?: unknown
}

/** The four calls of the mix, through one door. */
interface Door {
  tally: Tally
  schedule(id: string): Promise<unknown>
  event(id: string, n: number): Promise<unknown>
  status(id: string, op?: string): Promise<Answer>
  wait(id: string): Promise<Answer>
}

/**
 * One HTTP request over a kept-alive connection of `agent`: status and parsed JSON body.
 * Node's own client, not `fetch`: on Node 20 fetch alone tops out near 1,500 requests/s
 * on two cores (about 11,000 with this, against the same trivial server), so with it the
 * benchmark measured the client rather than the door.
 */
function send(
  agent: Agent,
  base: URL,
  method: string,
  path: string,
  json?: unknown,
): Promise<{ status: number; body: Answer }> {
  const payload = json === undefined ? undefined : JSON.stringify(json)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path: `/api/v1${path}`,
        headers:
          payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer })
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)))
          }
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

/** The REST door of a `zart serve` at `base`. */
function restDoor(base: string): Door {
  const tally = newTally()
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS + 10 })
  const url = new URL(base)
  const request = async (op: string, method: string, path: string, ok: number[], json?: unknown) => {
    for (;;) {
      const started = performance.now()
      const res = await send(agent, url, method, path, json)
      const body = res.body
      record(tally, op, started)
      if (res.status === 429) {
        tally.intended++ // every wait slot is taken: the documented answer is to retry shortly
        await new Promise((resolve) => setTimeout(resolve, 200))
        continue
      }
      if (!ok.includes(res.status))
        tally.unexpected.push(`${method} ${path} → ${res.status} ${JSON.stringify(body).slice(0, 200)}`)
      return body
    }
  }
  return {
    tally,
    schedule: (id) =>
      request('schedule', 'POST', '/executions', [201], { workflow: 'load-collect', id, data: { count: EVENTS } }),
    event: (id, n) => request('event', 'POST', `/events/${id}/item?event_id=e${n}`, [202], { n }),
    status: (id, op = 'status') => request(op, 'GET', `/executions/${id}`, [200]),
    wait: (id) => request('wait', 'GET', `/executions/${id}/wait?timeout=10`, [200]),
  }
}

/** The same calls through the client API of `zart`, in this process. */
function inProcessDoor(zart: Zart): Door {
  const tally = newTally()
  const call = async <T>(op: string, what: string, run: () => Promise<T>): Promise<T | Answer> => {
    const started = performance.now()
    try {
      return await run()
    } catch (error) {
      tally.unexpected.push(`${what} → ${String(error).slice(0, 200)}`)
      return { error }
    } finally {
      record(tally, op, started)
    }
  }
  return {
    tally,
    schedule: (id) =>
      call('schedule', `schedule ${id}`, () => zart.schedule('load-collect', { count: EVENTS }, { id })),
    event: (id, n) => call('event', `event ${id}`, () => zart.deliverEvent(id, 'item', { n }, { eventId: `e${n}` })),
    status: (id, op = 'status') => call(op, `status ${id}`, () => zart.status(id)) as Promise<Answer>,
    wait: (id) => call('wait', `wait ${id}`, () => zart.wait(id, { timeout: '10s' })) as Promise<Answer>,
  }
}

async function client(door: Door, prefix: string, i: number, deadline: number, ids: string[]): Promise<void> {
  for (let iteration = 0; Date.now() < deadline; iteration++) {
    const id = `${prefix}-${RUN}-${i}-${iteration}`
    ids.push(id)
    await door.schedule(id)
    for (let n = 0; n < EVENTS; n++) {
      await door.event(id, n)
      await door.status(id)
    }
    for (;;) {
      const done = await door.wait(id)
      if (!done.timed_out || Date.now() > deadline + 60_000) break
    }
  }
}

/** CPU seconds the `zart serve` at `base` has used, from its Prometheus endpoint. */
async function serverCpu(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text()
  return Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? NaN)
}

/** CPU seconds this process has used. */
const ownCpu = (): number => {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1e6
}

function startServer(): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const child = spawn(
    process.execPath,
    [
      ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : []),
      BIN,
      '--db',
      DB,
      '--workflows',
      WORKFLOW,
      'serve',
      '--port',
      '0',
      '--max-waits',
      String(CLIENTS + 50),
    ],
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
async function verify(door: Door, ids: string[]): Promise<{ completed: number; wrong: string[] }> {
  const wrong: string[] = []
  let completed = 0
  const expected = JSON.stringify(Array.from({ length: EVENTS }, (_, n) => n))
  for (const id of ids) {
    const view = await door.status(id, 'verify')
    if (view.status === 'completed' && JSON.stringify(view.output?.values) === expected) completed++
    else wrong.push(`${id}: ${view.status} ${JSON.stringify(view.output ?? view.error ?? null)}`)
  }
  return { completed, wrong }
}

/** Runs the mix through `door` for `seconds`, its ids under `prefix`; returns how long it took, in s. */
async function drive(door: Door, prefix: string, seconds: number, ids: string[]): Promise<number> {
  const started = Date.now()
  const deadline = started + seconds * 1000
  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(door, prefix, i, deadline, ids)))
  return (Date.now() - started) / 1000
}

/** Checks every execution a door ran and prints its figures. */
async function report(
  door: Door,
  title: string,
  ids: string[],
  elapsed: number,
): Promise<{ perSecond: number; ok: boolean; p50: Record<string, number> }> {
  const { completed, wrong } = await verify(door, ids)
  const { ops, unexpected, intended } = door.tally
  const row = (name: string): [string, string] => {
    const op = ops[name] ?? { count: 0, ms: [] }
    return [
      name,
      `${fmt(op.count)} (${fmt(op.count / elapsed, 1)}/s), p50 ${fmt(percentile(op.ms, 50), 1)} ms, p99 ${fmt(percentile(op.ms, 99), 1)} ms`,
    ]
  }
  table(`${title}: ${CLIENTS} clients, ${fmt(elapsed, 1)} s`, [
    ...MIX.map(row),
    [
      'executions',
      `${fmt(ids.length)} scheduled, ${fmt(completed)} completed and correct (${fmt(completed / elapsed, 1)}/s)`,
    ],
    ['intended 429s', fmt(intended)],
    ['unexpected errors', fmt(unexpected.length)],
  ])
  for (const line of [...unexpected, ...wrong].slice(0, 20)) console.log(`  ! ${line}`)
  return {
    perSecond: completed / elapsed,
    ok: unexpected.length === 0 && wrong.length === 0,
    p50: Object.fromEntries(MIX.map((name) => [name, percentile(ops[name]?.ms ?? [], 50)])),
  }
}

const MIX = ['schedule', 'event', 'status', 'wait']

async function main(): Promise<void> {
  const server = await startServer()
  // The same mix on a database of its own, through the client API of a Zart that runs
  // a worker, as `zart serve` does.
  const localDb = DB.startsWith('sqlite:') ? `sqlite:${join(folder, 'in-process.db')}` : DB
  const zart = await createZart({ db: localDb, workflows: [loadCollect] })
  zart.startWorker()
  console.log(
    `load: ${CLIENTS} clients for ${SECONDS}s against ${server.url}, then as long in-process, on ${DB.split(':')[0]}` +
      ` (in ${SLICES} alternating slices, so both meet the same machine)`,
  )
  const rest = { door: restDoor(server.url), ids: [] as string[], seconds: 0, serverCpu: 0, clientCpu: 0 }
  const local = { door: inProcessDoor(zart), ids: [] as string[], seconds: 0, cpu: 0 }
  for (let slice = 0; slice < SLICES; slice++) {
    const [server0, client0] = [await serverCpu(server.url), ownCpu()]
    rest.seconds += await drive(rest.door, `load-${slice}`, SECONDS / SLICES, rest.ids)
    rest.serverCpu += (await serverCpu(server.url)) - server0
    rest.clientCpu += ownCpu() - client0
    const local0 = ownCpu()
    local.seconds += await drive(local.door, `local-${slice}`, SECONDS / SLICES, local.ids)
    local.cpu += ownCpu() - local0
  }
  const restFigures = await report(rest.door, 'REST load', rest.ids, rest.seconds)
  const localFigures = await report(local.door, 'In-process load (client API, no HTTP)', local.ids, local.seconds)
  const code = await server.stop()
  console.log(`  server exit code: ${code}`)
  await zart.close()
  rmSync(folder, { recursive: true, force: true })

  const perExecution = (seconds: number, ids: readonly string[]) => fmt((1000 * seconds) / ids.length, 2)
  table('CPU per execution, ms (and share of one core while its side ran)', [
    ['zart serve', `${perExecution(rest.serverCpu, rest.ids)} (${fmt((100 * rest.serverCpu) / rest.seconds)}%)`],
    [
      'REST clients (this process)',
      `${perExecution(rest.clientCpu, rest.ids)} (${fmt((100 * rest.clientCpu) / rest.seconds)}%)`,
    ],
    [
      'in-process: clients and engine',
      `${perExecution(local.cpu, local.ids)} (${fmt((100 * local.cpu) / local.seconds)}%)`,
    ],
  ])
  table('REST ÷ in-process (same mix, same length, this run)', [
    ['executions completed/s (target ≥ 0.5)', fmt(restFigures.perSecond / localFigures.perSecond, 2)],
    [
      'CPU per execution, in-process ÷ zart serve',
      fmt(local.cpu / local.ids.length / (rest.serverCpu / rest.ids.length), 2),
    ],
    ...MIX.map((name): [string, string] => [
      `${name} p50, in-process ÷ REST`,
      fmt((localFigures.p50[name] ?? NaN) / (restFigures.p50[name] ?? NaN), 2),
    ]),
  ])
  process.exitCode = restFigures.ok && localFigures.ok && code === 0 ? 0 : 1
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
