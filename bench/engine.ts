/**
 * The engine benchmark on one SQLite file (issue: durable engine on embedded SQLite).
 * Every figure is printed beside the raw commit rate measured in the same run.
 *
 *   npx tsx bench/engine.ts [--executions 2000] [--samples 200] [--sections latency,cross]
 */
import { fork, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base'
import { createZart, SqliteStore, type EngineMetrics, type Zart } from '../src/index.ts'
import { PrometheusMetrics } from '../src/metrics/prometheus.ts'
import { RunTelemetry, traceSchedule } from '../src/engine/telemetry.ts'
import { chosenSections, fmt, median, percentile, sleep, table, tempFolder, wallNow } from './stats.ts'
import { parked, warmUp, resumed, resumeProbe, threeSteps } from './workflows.ts'

type Sync = 'FULL' | 'NORMAL'
const args = process.argv.slice(2)
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? Number(args[at + 1]) : fallback
}
const EXECUTIONS = flag('executions', 2000)
const SAMPLES = flag('samples', 200)
const WAITING = flag('waiting', 10_000)
const SECTIONS = chosenSections(args, ['throughput', 'telemetry', 'claims', 'queues', 'latency', 'cross', 'memory'])
const ZART_BIN = fileURLToPath(new URL('../bin/zart.js', import.meta.url))
const BENCH_WORKFLOWS = fileURLToPath(new URL('./workflows.ts', import.meta.url))

/** One row per transaction, 200-byte payload: the physical limit of this disk. */
function rawCommitRate(synchronous: Sync, ms = 1500): number {
  const raw = rawCommitter(synchronous)
  let n = 0
  let spent = 0
  while (spent < ms) {
    spent += raw.time(50) // autocommit: one transaction, one commit per row
    n += 50
  }
  raw.close()
  return n / (spent / 1000)
}

async function open(synchronous: Sync, concurrency = 64): Promise<{ zart: Zart; store: SqliteStore; path: string }> {
  const path = join(tempFolder('engine'), 'zart.db')
  const store = new SqliteStore(path, { synchronous })
  const zart = await createZart({ db: store, workflows: [threeSteps, resumeProbe, parked] })
  zart.startWorker({ concurrency })
  return { zart, store, path }
}

async function throughput(
  synchronous: Sync,
  metrics?: EngineMetrics,
): Promise<{ execPerSec: number; stepsPerSec: number; schedulePerSec: number; concurrentSchedulePerSec: number }> {
  const path = join(tempFolder('throughput'), 'zart.db')
  const store = new SqliteStore(path, { synchronous })
  const zart = await createZart({ db: store, workflows: [threeSteps], ...(metrics && { metrics }) })
  const scheduleStart = performance.now()
  for (let i = 0; i < EXECUTIONS; i++) await zart.schedule('bench-three-steps', { n: i })
  const schedulePerSec = EXECUTIONS / ((performance.now() - scheduleStart) / 1000)
  // Callers scheduling at the same time (an API under load) share commits.
  const concurrentStart = performance.now()
  for (let i = 0; i < EXECUTIONS; i += 200) {
    await Promise.all(
      Array.from({ length: 200 }, (_, k) =>
        zart.schedule('bench-three-steps', { n: i + k }, { runAt: Date.now() + 3_600_000 }),
      ),
    )
  }
  const concurrentSchedulePerSec = EXECUTIONS / ((performance.now() - concurrentStart) / 1000)
  const probe = new Database(path, { readonly: true })
  const completed = probe.prepare("SELECT count(*) AS n FROM zart_executions WHERE status = 'completed'")
  const started = performance.now()
  zart.startWorker({ concurrency: 64 })
  while ((completed.get() as { n: number }).n < EXECUTIONS) await sleep(5)
  const seconds = (performance.now() - started) / 1000
  probe.close()
  await zart.close()
  await store.close()
  return {
    execPerSec: EXECUTIONS / seconds,
    stepsPerSec: (EXECUTIONS * 3) / seconds,
    schedulePerSec,
    concurrentSchedulePerSec,
  }
}

/** An exporter that drops what it is given: the SDK's whole cost, none of the network's. */
const dropSpans: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => {},
}

type Telemetry = 'off' | 'traces' | 'metrics'

/**
 * What the engine's trace hooks cost with no SDK registered, in ns: per step attempt (its
 * span started, the step function run inside it, ended) and per run plus schedule call.
 */
function noSdkHookNs(n = 300_000): { step: number; run: number } {
  const subject = { id: 'e', workflow: 'w', attempt: 2, traceParent: null }
  const run = new RunTelemetry(subject, undefined)
  let started = performance.now()
  for (let i = 0; i < n; i++) {
    const span = run.step('fetch', 'fetch', 1)
    span.within(() => i)
    span.end('completed')
  }
  const step = ((performance.now() - started) * 1e6) / n
  started = performance.now()
  for (let i = 0; i < n; i++) {
    traceSchedule('w', 'e').end()
    const other = new RunTelemetry(subject, undefined)
    other.within(() => i)
    other.end('completed')
  }
  return { step, run: ((performance.now() - started) * 1e6) / n }
}

/**
 * Throughput with telemetry off (no SDK registered: the API's no-op tracer), with an
 * OpenTelemetry SDK recording every span (batched, exported nowhere), and with the
 * Prometheus sink counting. Rounds alternate so drift on a shared machine hits each alike.
 */
async function telemetryCost(rounds = 3): Promise<Map<Telemetry, { execPerSec: number; schedulePerSec: number }[]>> {
  const results = new Map<Telemetry, { execPerSec: number; schedulePerSec: number }[]>()
  for (let round = 0; round < rounds; round++) {
    // Each round in another order: whichever runs first or last gets no edge.
    const modes: Telemetry[] = ['off', 'traces', 'metrics']
    for (const mode of [...modes.slice(round % 3), ...modes.slice(0, round % 3)]) {
      let provider: BasicTracerProvider | undefined
      if (mode === 'traces') {
        provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropSpans)] })
        context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
        trace.setGlobalTracerProvider(provider)
      }
      const t = await throughput('NORMAL', mode === 'metrics' ? new PrometheusMetrics().sink : undefined)
      if (provider) {
        await provider.shutdown()
        trace.disable()
        context.disable()
      }
      results.set(mode, [...(results.get(mode) ?? []), t])
    }
  }
  return results
}

/**
 * The claim alone, on a table that has seen work: FINISHED finished executions and
 * EXECUTIONS due ones, claimed 64 at a time (claims/s), then an idle poll that finds
 * nothing (µs). A claim must read the due rows only, however many finished ones there are.
 */
async function claimRate(): Promise<{ claimsPerSec: number; idlePollUs: number }> {
  const FINISHED = 20_000
  const path = join(tempFolder('claims'), 'zart.db')
  const store = new SqliteStore(path, { synchronous: 'NORMAL' })
  const zart = await createZart({ db: store, workflows: [threeSteps] })
  const total = FINISHED + EXECUTIONS
  for (let i = 0; i < total; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, total - i) }, (_, k) => zart.schedule('bench-three-steps', { n: i + k })),
    )
  }
  const db = new Database(path)
  db.prepare(
    `UPDATE zart_executions SET status = 'completed', due_at = NULL
     WHERE id IN (SELECT id FROM zart_executions ORDER BY seq LIMIT ?)`,
  ).run(FINISHED)
  db.close()
  const claim = (now: number) =>
    store.claim({ workerId: 'bench', limit: 64, now, leaseMs: 3_600_000, workflows: ['bench-three-steps'] })
  let claimed = 0
  const started = performance.now()
  for (let batch = await claim(Date.now()); batch.length > 0; batch = await claim(Date.now())) claimed += batch.length
  const claimsPerSec = claimed / ((performance.now() - started) / 1000)
  const polls = 1000
  const idleStart = performance.now()
  for (let i = 0; i < polls; i++) await claim(Date.now())
  const idlePollUs = ((performance.now() - idleStart) / polls) * 1000
  await zart.close()
  await store.close()
  return { claimsPerSec, idlePollUs }
}

/** How executions are scheduled in the flow-control benchmark. */
interface QueueCase {
  label: string
  /** The queue's limits, or undefined for no queue (the fast claim path). */
  queue?: { concurrency?: number; keyConcurrency?: number }
  keys?: number
  /** The worker's own concurrency (default 64). */
  workers?: number
}

/**
 * The claim rate under flow control beside the same run without it: EXECUTIONS 3-step
 * executions scheduled first (so claiming is what is measured), then one worker
 * (concurrency 64) runs them all. Returns executions/s.
 */
async function queueThroughput(c: QueueCase): Promise<number> {
  const path = join(tempFolder('queues'), 'zart.db')
  const store = new SqliteStore(path, { synchronous: 'NORMAL' })
  const zart = await createZart({ db: store, workflows: [threeSteps] })
  if (c.queue) await zart.setQueue('bench', c.queue)
  for (let i = 0; i < EXECUTIONS; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, EXECUTIONS - i) }, (_, k) =>
        zart.schedule(
          'bench-three-steps',
          { n: i + k },
          c.queue ? { queue: 'bench', ...(c.keys && { concurrencyKey: `key-${(i + k) % c.keys}` }) } : {},
        ),
      ),
    )
  }
  const probe = new Database(path, { readonly: true })
  const completed = probe.prepare("SELECT count(*) AS n FROM zart_executions WHERE status = 'completed'")
  const started = performance.now()
  zart.startWorker({ concurrency: c.workers ?? 64 })
  while ((completed.get() as { n: number }).n < EXECUTIONS) await sleep(5)
  const seconds = (performance.now() - started) / 1000
  probe.close()
  await zart.close()
  await store.close()
  return EXECUTIONS / seconds
}

/**
 * One execution at a time, schedule → completed. Before each, five raw single-row commits
 * on a file of the same disk are timed: the floor of that moment, since a shared disk's
 * speed drifts within a run.
 */
async function latency(synchronous: Sync): Promise<{ samples: number[]; floors: number[] }> {
  const { zart, store } = await open(synchronous)
  const raw = rawCommitter(synchronous)
  const samples: number[] = []
  const floors: number[] = []
  for (let i = 0; i < SAMPLES + 10; i++) {
    const floor = raw.time(5)
    const started = performance.now()
    const { execution_id } = await zart.schedule('bench-three-steps', { n: i })
    const done = await zart.wait(execution_id, { timeout: '10s' })
    if (done.status !== 'completed') throw new Error(`latency run ended ${done.status}`)
    if (i >= 10) {
      samples.push(performance.now() - started) // the first runs warm the JIT
      floors.push(floor)
    }
  }
  raw.close()
  await zart.close()
  await store.close()
  return { samples, floors }
}

/** Raw single-row commits, one per transaction, on demand: `time(n)` is how long n take, in ms. */
function rawCommitter(synchronous: Sync): { time: (n: number) => number; close: () => void } {
  const db = new Database(join(tempFolder('floor'), 'raw.db'))
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${synchronous}`)
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)')
  const insert = db.prepare('INSERT INTO t (payload) VALUES (?)')
  const payload = 'x'.repeat(200)
  return {
    time(n) {
      const started = performance.now()
      for (let i = 0; i < n; i++) insert.run(payload)
      return performance.now() - started
    },
    close: () => db.close(),
  }
}

async function untilWaiting(zart: Zart, id: string): Promise<void> {
  while ((await zart.status(id)).status !== 'waiting') await sleep(1)
}

async function eventResumeInProcess(synchronous: Sync): Promise<number[]> {
  const { zart, store } = await open(synchronous)
  const samples: number[] = []
  for (let i = 0; i < SAMPLES + 10; i++) {
    const { execution_id } = await zart.schedule('bench-resume')
    await untilWaiting(zart, execution_id)
    const resumedAt = new Promise<number>((resolve) => resumed.set(execution_id, resolve))
    const started = wallNow()
    await zart.deliverEvent(execution_id, 'go', null)
    const at = await resumedAt
    resumed.delete(execution_id)
    if (i >= 10) samples.push(at - started)
  }
  await zart.close()
  await store.close()
  return samples
}

function startWorkerProcess(db: string, env: Record<string, string> = {}) {
  return spawn(process.execPath, [ZART_BIN, 'worker', '--db', db, '--workflows', BENCH_WORKFLOWS], {
    env: { ...process.env, ZART_LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
}

async function eventResumeAcrossProcesses(): Promise<number[]> {
  const folder = tempFolder('cross')
  const db = `sqlite:${join(folder, 'zart.db')}`
  const log = join(folder, 'resumed.log')
  writeFileSync(log, '')
  const zart = await createZart({ db, workflows: [resumeProbe] })
  const child = startWorkerProcess(db, { ZART_BENCH_RESUME_LOG: log })
  const count = Math.min(SAMPLES, 60)
  const sent = new Map<string, number>()
  for (let i = 0; i < count; i++) {
    const { execution_id } = await zart.schedule('bench-resume')
    await untilWaiting(zart, execution_id)
    // Events arrive at random moments, not in step with the worker's poll cycle.
    await sleep(Math.random() * 100)
    sent.set(execution_id, wallNow())
    await zart.deliverEvent(execution_id, 'go', null)
    while ((await zart.status(execution_id)).status !== 'completed') await sleep(1)
  }
  child.kill('SIGTERM')
  await zart.close()
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .map(([id, at]) => Number(at) - (sent.get(id ?? '') ?? NaN))
}

export interface ChildMemory {
  rss: number
  heapUsedAfterGc: number
  rssAfterGc: number
  active: number
}

function askMemory(child: ReturnType<typeof fork>): Promise<ChildMemory> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as ChildMemory))
    child.send('memory')
  })
}

/** Schedules `workflow` executions until `total` of them have reached `status`. */
async function scheduleUntil(
  zart: Zart,
  probe: Database.Database,
  workflow: string,
  status: 'waiting' | 'completed',
  total: number,
): Promise<void> {
  const count = probe.prepare('SELECT count(*) AS n FROM zart_executions WHERE workflow = ? AND status = ?')
  const reached = () => (count.get(workflow, status) as { n: number }).n
  let scheduled = reached()
  while (scheduled < total) {
    const batch = Math.min(500, total - scheduled)
    await Promise.all(Array.from({ length: batch }, () => zart.schedule(workflow)))
    scheduled += batch
  }
  while (reached() < total) await sleep(100)
  await sleep(2000)
}

/**
 * Samples a worker child's memory: idle from cold; idle again after it ran WAITING
 * one-step executions to completion (the heap a working worker keeps anyway); then with
 * WAITING and 2 × WAITING executions parked on an event.
 */
async function workerMemory(): Promise<{
  cold: ChildMemory
  warm: ChildMemory
  first: ChildMemory
  second: ChildMemory
}> {
  const file = join(tempFolder('rss'), 'zart.db')
  const zart = await createZart({ db: `sqlite:${file}`, workflows: [parked, warmUp] })
  const child = fork(fileURLToPath(new URL('./worker-child.ts', import.meta.url)), [`sqlite:${file}`], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  await sleep(3000)
  const probe = new Database(file, { readonly: true })
  const cold = await askMemory(child)
  await scheduleUntil(zart, probe, 'bench-warm-up', 'completed', WAITING)
  const warm = await askMemory(child)
  await scheduleUntil(zart, probe, 'bench-parked', 'waiting', WAITING)
  const first = await askMemory(child)
  await scheduleUntil(zart, probe, 'bench-parked', 'waiting', 2 * WAITING)
  const second = await askMemory(child)
  probe.close()
  child.kill('SIGTERM')
  await zart.close()
  return { cold, warm, first, second }
}

async function main(): Promise<void> {
  console.log(
    `zart engine benchmark — SQLite (WAL), Node ${process.version}, ${EXECUTIONS} executions, ${SAMPLES} latency samples`,
  )
  const raw = { FULL: rawCommitRate('FULL'), NORMAL: rawCommitRate('NORMAL') }
  raw.FULL = Math.max(raw.FULL, rawCommitRate('FULL'))
  table('Raw better-sqlite3 single-row commits (one row per transaction, 200-byte payload)', [
    ['synchronous=FULL', `${fmt(raw.FULL)} commits/s`],
    ['synchronous=NORMAL', `${fmt(raw.NORMAL)} commits/s`],
  ])

  for (const sync of SECTIONS.has('throughput') ? (['FULL', 'NORMAL'] as const) : []) {
    const t = await throughput(sync)
    table(`3-step workflow, ${EXECUTIONS} executions, one worker (concurrency 64), synchronous=${sync}`, [
      ['executions/s', fmt(t.execPerSec)],
      ['steps/s', fmt(t.stepsPerSec)],
      [`steps/s ÷ raw ${sync} commits/s`, fmt(t.stepsPerSec / raw[sync], 2)],
      ['schedule calls/s (one at a time)', fmt(t.schedulePerSec)],
      ['schedule calls/s (200 callers at once)', fmt(t.concurrentSchedulePerSec)],
    ])
  }

  if (SECTIONS.has('telemetry')) {
    // Before anything registers with OpenTelemetry: the state of a process with tracing off.
    noSdkHookNs() // warm the JIT
    const hooks = noSdkHookNs()
    const cost = await telemetryCost()
    const best = (mode: Telemetry, key: 'execPerSec' | 'schedulePerSec') =>
      Math.max(...(cost.get(mode) ?? []).map((t) => t[key]))
    const off = { exec: best('off', 'execPerSec'), schedule: best('off', 'schedulePerSec') }
    const rows: [string, string][] = []
    for (const mode of ['off', 'traces', 'metrics'] as const) {
      const exec = best(mode, 'execPerSec')
      const schedule = best(mode, 'schedulePerSec')
      const vs = mode === 'off' ? '' : ` (× ${fmt(exec / off.exec, 2)} / × ${fmt(schedule / off.schedule, 2)} of off)`
      rows.push([
        {
          off: 'telemetry off (no SDK)',
          traces: 'traces: SDK recording every span',
          metrics: 'metrics: Prometheus sink',
        }[mode],
        `${fmt(exec)} executions/s, ${fmt(schedule)} schedules/s${vs}`,
      ])
    }
    const stepNs = 1e9 / (off.exec * 3)
    rows.push(
      [
        'no-SDK trace hooks per step attempt',
        `${fmt(hooks.step, 0)} ns (${fmt((100 * hooks.step) / stepNs, 2)} % of one step at the off rate)`,
      ],
      ['no-SDK trace hooks per schedule + run', `${fmt(hooks.run, 0)} ns`],
    )
    table(`Telemetry cost: 3-step workflow, ${EXECUTIONS} executions, synchronous=NORMAL, best of 3 rounds`, rows)
  }

  if (SECTIONS.has('claims')) {
    const c = await claimRate()
    table(`The claim alone: ${EXECUTIONS} due executions beside 20,000 finished ones, synchronous=NORMAL`, [
      ['claims/s (64 per call)', fmt(c.claimsPerSec)],
      ['idle poll (nothing due)', `${fmt(c.idlePollUs, 1)} µs`],
    ])
  }

  if (SECTIONS.has('queues')) {
    const cases: QueueCase[] = [
      { label: 'no queue (fast claim path)' },
      { label: 'queue, limits never reached (concurrency 1000)', queue: { concurrency: 1000 } },
      { label: 'queue, 1 per key over 100 keys', queue: { keyConcurrency: 1 }, keys: 100 },
      { label: 'no queue, worker concurrency 16', workers: 16 },
      { label: 'queue, concurrency 16', queue: { concurrency: 16 } },
    ]
    // Best of two runs each, alternating, so a busy moment of the machine hits no case alone.
    const rates: number[] = cases.map(() => 0)
    for (let round = 0; round < 2; round++) {
      for (const [i, c] of cases.entries()) rates[i] = Math.max(rates[i] ?? 0, await queueThroughput(c))
    }
    const base = rates[0] ?? NaN
    table(
      `Claim rate with queue limits, ${EXECUTIONS} pre-scheduled 3-step executions, one worker (concurrency 64), synchronous=NORMAL`,
      [
        ...cases.map((c, i): [string, string] => [
          c.label,
          `${fmt(rates[i] ?? NaN)} executions/s (${fmt((rates[i] ?? NaN) / base, 2)} × no queue, worker concurrency 64)`,
        ]),
      ],
    )
  }

  for (const sync of SECTIONS.has('latency') ? (['FULL', 'NORMAL'] as const) : []) {
    const { samples: l, floors } = await latency(sync)
    const e = await eventResumeInProcess(sync)
    // The physical floor of a 3-step workflow: its five durable commits (schedule, three
    // steps, finish), each at least one raw single-row commit of this disk, timed between
    // the samples.
    const floor = median(floors)
    table(`Latency, one execution at a time, synchronous=${sync}`, [
      ['floor: 5 raw single-row commits, p50 (timed between samples)', `${fmt(floor, 2)} ms`],
      ['schedule → completed p50', `${fmt(median(l), 2)} ms`],
      // Without fsync (NORMAL) the raw commits are no durable floor: the ratio only says how far off CPU time is.
      [
        `schedule → completed p50 ÷ floor${sync === 'FULL' ? ' (target ≤ 1.5)' : ' (no fsync: not a target)'}`,
        fmt(median(l) / floor, 2),
      ],
      ['schedule → completed p99', `${fmt(percentile(l, 99), 2)} ms`],
      ['event → resumed, same process p50', `${fmt(median(e), 2)} ms`],
      ['event → resumed, same process p99', `${fmt(percentile(e, 99), 2)} ms`],
    ])
  }

  if (SECTIONS.has('cross')) {
    const cross = await eventResumeAcrossProcesses()
    table('Event → resumed across processes (CLI-style client, `zart worker` child, default poll 50 ms)', [
      ['p50', `${fmt(median(cross), 2)} ms`],
      ['p99', `${fmt(percentile(cross, 99), 2)} ms`],
      ['max', `${fmt(Math.max(...cross), 2)} ms`],
    ])
  }
  if (!SECTIONS.has('memory')) return

  const { cold, warm, first, second } = await workerMemory()
  const mb = (n: number) => `${fmt(n / 2 ** 20, 1)} MB`
  const delta = (a: number, b: number) => `${mb(b)} (${b >= a ? '+' : ''}${mb(b - a)})`
  table(`Worker process memory (the worker itself ran every execution to its durable wait)`, [
    ['RSS idle, cold', mb(cold.rss)],
    [`RSS idle after running ${fmt(WAITING)} one-step executions`, delta(cold.rss, warm.rss)],
    [`RSS, ${fmt(WAITING)} waiting (target: at most +10 MB over warm idle)`, delta(warm.rss, first.rss)],
    [`RSS, ${fmt(2 * WAITING)} waiting`, delta(first.rss, second.rss)],
    [`RSS, ${fmt(WAITING)} waiting, over cold idle`, delta(cold.rss, first.rss)],
    ['JS heap after GC, idle (cold / warm)', `${mb(cold.heapUsedAfterGc)} / ${mb(warm.heapUsedAfterGc)}`],
    [`JS heap after GC, ${fmt(WAITING)} waiting`, delta(warm.heapUsedAfterGc, first.heapUsedAfterGc)],
    [`JS heap after GC, ${fmt(2 * WAITING)} waiting`, delta(first.heapUsedAfterGc, second.heapUsedAfterGc)],
    ['executions held in memory while waiting', String(second.active)],
  ])
}

await main()
