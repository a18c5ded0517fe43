/**
 * The backend benchmark on a PostgreSQL or MySQL database (issue: PostgreSQL and MySQL
 * backends). Every figure is printed beside the database's raw single-row commit rate,
 * measured in the same run, so it reads as a fraction of what the server can do.
 *
 *   npm run bench -- --db postgres://postgres@127.0.0.1:55432/zart_test
 *   npx tsx bench/backends.ts --db mysql://root@127.0.0.1:53306/zart_test [--executions 3000] [--samples 200]
 *   npx tsx bench/backends.ts --db mysql://… --sections resume     only the event → resumed figures
 *   npx tsx bench/backends.ts --db postgres://… --sections latency --warm-runs 10   latency of a barely warmed engine
 *
 * Each scenario runs in a fresh schema (PostgreSQL) or database (MySQL) that is dropped
 * afterwards; the URL's database itself is left as it was.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createZart, type Zart } from '../src/index.ts'
import { chosenSections, fmt, median, percentile, sleep, table, tempFolder, wallNow } from './stats.ts'
import { mysqlDialect, postgresDialect, type Dialect } from './backend-dialects.ts'
import { resumeProbe, threeSteps } from './workflows.ts'

const args = process.argv.slice(2)
const valueOf = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? args[at + 1] : undefined
}
const DB = valueOf('db') ?? process.env.ZART_DATABASE_URL ?? ''
const EXECUTIONS = Number(valueOf('executions') ?? 3000)
const SAMPLES = Number(valueOf('samples') ?? 200)
/** Executions run before the latency samples, so the JIT has compiled what a worker in service runs. */
const WARM_RUNS = Number(valueOf('warm-runs') ?? 2000)
const PROCESSES = (valueOf('processes') ?? '1,2,4').split(',').map(Number)
/** Which parts to run: throughput, queues, latency, resume (default all). */
const SECTIONS = chosenSections(process.argv.slice(2), ['throughput', 'queues', 'latency', 'resume'])
const ZART_BIN = fileURLToPath(new URL('../bin/zart.js', import.meta.url))
const BENCH_WORKFLOWS = fileURLToPath(new URL('./workflows.ts', import.meta.url))
const COUNT_QUERIES = fileURLToPath(new URL('./count-queries.mjs', import.meta.url))

/** Starts `zart worker` children and resolves once each has logged that it started. */
async function startWorkers(
  url: string,
  count: number,
  env: Record<string, string> = {},
  preload: string[] = [],
): Promise<ChildProcess[]> {
  const args = [ZART_BIN, 'worker', '--db', url, '--workflows', BENCH_WORKFLOWS, '--concurrency', '64']
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, [...preload.flatMap((file) => ['--import', file]), ...args], {
      env: { ...process.env, ZART_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  )
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          let log = ''
          child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
            log += chunk
            if (log.includes('"worker started"')) resolve()
          })
          child.on('exit', (code) => reject(new Error(`worker exited (${code}) before it started: ${log}`)))
        }),
    ),
  )
  return children
}

async function stopWorkers(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) =>
          child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM')),
        ),
    ),
  )
}

interface Throughput {
  execPerSec: number
  stepsPerSec: number
  perWorkflow: Record<string, number>
}

/** Flow control for a throughput run: the queue's limits, and over how many keys. */
interface QueueCase {
  label: string
  limits?: { concurrency?: number; keyConcurrency?: number }
  keys?: number
}

/**
 * EXECUTIONS 3-step workflows scheduled up front, released at once, run by `processes`
 * workers; with `queue`, all in one queue with those limits.
 */
async function throughput(dialect: Dialect, processes: number, queue: QueueCase = { label: '' }): Promise<Throughput> {
  const { url, drop } = await dialect.scratch()
  const zart = await createZart({ db: `${url}${url.includes('?') ? '&' : '?'}pool_size=16`, workflows: [threeSteps] })
  if (queue.limits) await zart.setQueue('bench', queue.limits)
  const later = Date.now() + 3_600_000
  for (let i = 0; i < EXECUTIONS; i += 64) {
    const batch = Array.from({ length: Math.min(64, EXECUTIONS - i) }, (_, j) => i + j)
    const flow = (n: number) =>
      queue.limits ? { queue: 'bench', ...(queue.keys && { concurrencyKey: `key-${n % queue.keys}` }) } : {}
    await Promise.all(batch.map((n) => zart.schedule('bench-three-steps', { n }, { runAt: later, ...flow(n) })))
  }
  const workers = await startWorkers(url, processes)
  await sleep(1100) // server statistics are flushed about once a second
  const before = await dialect.counters(url)
  const started = performance.now()
  await dialect.openGate(url, Date.now())
  while ((await dialect.completed(url)) < EXECUTIONS) await sleep(10)
  const seconds = (performance.now() - started) / 1000
  await sleep(1100)
  const after = await dialect.counters(url)
  await stopWorkers(workers)
  await zart.close()
  await drop()
  const perWorkflow = Object.fromEntries(
    Object.keys(after).map((k) => [k, ((after[k] ?? NaN) - (before[k] ?? NaN)) / EXECUTIONS]),
  )
  return { execPerSec: EXECUTIONS / seconds, stepsPerSec: (EXECUTIONS * 3) / seconds, perWorkflow }
}

/** One execution at a time: schedule → completed, with the worker in this process or in a child. */
async function latency(
  dialect: Dialect,
  where: 'same process' | 'worker process',
): Promise<{ samples: number[]; floors: number[]; hotFloors: number[] }> {
  const { url, drop } = await dialect.scratch()
  const zart = await createZart({ db: url, workflows: [threeSteps] })
  const workers = where === 'worker process' ? await startWorkers(url, 1) : []
  if (where === 'same process') zart.startWorker()
  // The floor of each moment: five raw single-row commits timed before each sample, since
  // a shared server's speed drifts within a run. Each sample starts after an idle pause,
  // and so is the floor timed: the first commit after a pause waits for a server process
  // and a client that slept (here about 0.5 ms more than five commits back to back). The
  // back-to-back figure, timed right after, is printed beside it.
  const raw = await dialect.rawCommitter()
  await warmUp(zart, dialect, url, where, raw)
  const samples: number[] = []
  const floors: number[] = []
  const hotFloors: number[] = []
  // Each execution starts on an idle worker, at a random moment of its poll cycle: a fixed
  // pause would lock the schedule to one phase of the 50 ms poll and bias the figure.
  const pause = () => sleep(5 + Math.random() * 50)
  for (let i = 0; i < SAMPLES + 10; i++) {
    await pause()
    const floor = await raw.time(5)
    const hotFloor = await raw.time(5)
    await pause()
    const started = wallNow()
    const { execution_id } = await zart.schedule('bench-three-steps', { n: i })
    const finishedAt = await completedAt(zart, execution_id, where === 'same process')
    if (i >= 10) {
      samples.push(finishedAt - started) // the first runs warm the JIT and the pools
      floors.push(floor)
      hotFloors.push(hotFloor)
    }
  }
  await raw.drop()
  await stopWorkers(workers)
  await zart.close()
  await drop()
  return { samples, floors, hotFloors }
}

/**
 * WARM_RUNS executions and as many raw commits before the samples. V8 compiles a function
 * with its optimizing compiler only after thousands of calls: the ten discarded samples
 * left the engine (and pg's query path) half compiled, which a worker in service is not.
 * The SQLite bench measures its latency after its throughput sections ran in the same
 * process; here those ran in child processes, so this process warms up on its own. In
 * this process the runs go one at a time, as the samples do; a child worker gets them
 * eight at a time (its end is read from the database), then the samples warm it further.
 */
async function warmUp(
  zart: Zart,
  dialect: Dialect,
  url: string,
  where: 'same process' | 'worker process',
  raw: { time: (n: number) => Promise<number> },
): Promise<void> {
  const group = where === 'same process' ? 1 : 8
  for (let done = 0; done < WARM_RUNS; done += group) {
    const scheduled = await Promise.all(
      Array.from({ length: group }, (_, i) => zart.schedule('bench-three-steps', { n: done + i })),
    )
    if (where === 'same process') await Promise.all(scheduled.map((s) => zart.wait(s.execution_id, { timeout: '10s' })))
    else while ((await dialect.completed(url)) < done + group) await sleep(2)
    await raw.time(group)
  }
}

/**
 * When the execution completed. In this process the client hears it at once; from a child
 * it is the row's `updated_at`, written with the worker's clock (same machine, ms).
 */
async function completedAt(zart: Zart, id: string, inProcess: boolean): Promise<number> {
  if (inProcess) {
    const done = await zart.wait(id, { timeout: '10s' })
    if (done.status !== 'completed') throw new Error(`latency run ended ${done.status}`)
    return wallNow()
  }
  // The row's own time is the measure, so a slow poll costs no accuracy and, unlike a
  // tight one, does not steal the CPU the worker and the server share with this process.
  for (;;) {
    await sleep(10)
    const record = await zart.store.getExecution(id)
    if (record?.status === 'completed') return record.updatedAt
  }
}

/**
 * Event delivered here → the waiting workflow resumed (the step after the wait ran) in a
 * `zart worker` child; and, beside it, the server round trips per second that child makes
 * while it is idle, the price of being woken that fast.
 */
async function eventToResume(dialect: Dialect): Promise<{ samples: number[]; idle: { perSec: number; what: string } }> {
  const { url, drop } = await dialect.scratch()
  const folder = tempFolder('resume')
  const log = join(folder, 'resumed.log')
  const counts = join(folder, 'queries.log')
  writeFileSync(log, '')
  const zart = await createZart({ db: url, workflows: [resumeProbe] })
  const [worker, ...others] = await startWorkers(
    url,
    1,
    { ZART_BENCH_RESUME_LOG: log, ZART_BENCH_QUERY_COUNT: counts },
    dialect.name === 'mysql' ? [COUNT_QUERIES] : [],
  )
  const workers = [...(worker ? [worker] : []), ...others]
  const idle = dialect.name === 'mysql' && worker ? await idleStatements(worker, counts) : await idleLoad(dialect, url)
  const count = Math.min(SAMPLES, 100)
  const sent = new Map<string, number>()
  for (let i = 0; i < count + 5; i++) {
    const { execution_id } = await zart.schedule('bench-resume')
    while ((await zart.status(execution_id)).status !== 'waiting') await sleep(5)
    // Let the worker go idle, as it is when a real event comes, and send the event at a
    // random point of its poll cycle: a fixed pause would lock it to one phase.
    await sleep(20 + Math.random() * 50)
    if (i >= 5) sent.set(execution_id, wallNow())
    await zart.deliverEvent(execution_id, 'go', null)
    // The child logs when it resumed; slow polling here keeps the CPU for it and the server.
    while ((await zart.status(execution_id)).status !== 'completed') await sleep(10)
  }
  await stopWorkers(workers)
  await zart.close()
  await drop()
  const samples = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([id]) => sent.has(id ?? ''))
    .map(([id, at]) => Number(at) - (sent.get(id ?? '') ?? NaN))
  return { samples, idle }
}

/**
 * The queries (round trips) an idle MySQL worker sends per second, counted in the worker itself (see
 * count-queries.mjs), so other users of the server do not count.
 */
async function idleStatements(worker: ChildProcess, file: string): Promise<{ perSec: number; what: string }> {
  await sleep(1100) // past the worker's start-up
  const read = async () => {
    const lines = () => readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).length
    const seen = existsSync(file) ? lines() : 0
    worker.kill('SIGUSR2')
    while (!existsSync(file) || lines() === seen) await sleep(5)
    const [count, at] = (readFileSync(file, 'utf8').trim().split('\n').at(-1) ?? '').split(' ').map(Number)
    return { count: count ?? NaN, at: at ?? NaN }
  }
  const before = await read()
  await sleep(5000)
  const after = await read()
  return {
    perSec: (after.count - before.count) / ((after.at - before.at) / 1000),
    what: 'queries sent (one round trip each)',
  }
}

/**
 * The load one idle worker puts on the server: its first counter (client round trips on
 * MySQL, transactions on PostgreSQL) per second over a few seconds in which nothing else
 * runs (this process's client is quiet, and the counter reads themselves are taken off).
 */
async function idleLoad(dialect: Dialect, url: string): Promise<{ perSec: number; what: string }> {
  await sleep(1100) // past the worker's start-up, and the server's statistics flushed
  const before = await dialect.counters(url)
  const started = performance.now()
  await sleep(5000)
  const elapsed = (performance.now() - started) / 1000
  const after = await dialect.counters(url)
  const what = Object.keys(after)[0] ?? ''
  // One read of counters() asks the server one question per counter.
  const own = Object.keys(after).length
  return { perSec: ((after[what] ?? NaN) - (before[what] ?? NaN) - own) / elapsed, what }
}

async function main(): Promise<void> {
  const scheme = DB.slice(0, DB.indexOf(':')).toLowerCase()
  const dialect = ['postgres', 'postgresql'].includes(scheme)
    ? await postgresDialect(DB)
    : ['mysql', 'mariadb'].includes(scheme)
      ? await mysqlDialect(DB.replace(/^mariadb:/i, 'mysql:'))
      : null
  if (!dialect) {
    console.error(
      'usage: bench/backends.ts --db postgres://…|mysql://… (scripts/test-databases.sh start gives local ones)',
    )
    process.exitCode = 2
    return
  }
  console.log(
    `zart backend benchmark — ${dialect.name}, Node ${process.version}, ${EXECUTIONS} executions, ${SAMPLES} latency samples`,
  )
  const raw1 = await dialect.rawCommits(1, 2000)
  const raw8 = await dialect.rawCommits(8, 2000)
  table('Raw single-row commits (one row per transaction, 200-byte payload)', [
    ['one connection', `${fmt(raw1)} commits/s`],
    ['eight connections', `${fmt(raw8)} commits/s`],
    ['eight ÷ one', fmt(raw8 / raw1, 2)],
  ])

  const results = new Map<number, Throughput>()
  for (const processes of SECTIONS.has('throughput') ? PROCESSES : []) {
    const t = await throughput(dialect, processes)
    results.set(processes, t)
    table(`3-step workflow, ${EXECUTIONS} executions, ${processes} \`zart worker\` process(es), concurrency 64 each`, [
      ['executions/s', fmt(t.execPerSec)],
      ['steps/s', fmt(t.stepsPerSec)],
      ['executions/s ÷ raw 1-connection commits/s', fmt(t.execPerSec / raw1, 2)],
      ['executions/s ÷ raw 8-connection commits/s', fmt(t.execPerSec / raw8, 2)],
      ...Object.entries(t.perWorkflow).map(([k, v]) => [`${k} per workflow (whole server)`, fmt(v, 2)] as const),
    ])
  }
  const one = results.get(1)
  const most = Math.max(...PROCESSES)
  const top = results.get(most)
  if (one && top && most > 1) {
    table('Scaling', [
      [`${most} processes ÷ 1 process`, fmt(top.execPerSec / one.execPerSec, 2)],
      ['raw 8 connections ÷ 1 connection', fmt(raw8 / raw1, 2)],
    ])
  }

  // The claim rate under queue limits, beside the same run without them (measured again
  // here, next to the others, so a busy moment of the machine skews no ratio alone).
  const queueProcesses = Math.min(2, most)
  const cases: QueueCase[] = !SECTIONS.has('queues')
    ? []
    : [
        { label: 'no queue (fast claim path)' },
        { label: 'queue, limits never reached (concurrency 1000)', limits: { concurrency: 1000 } },
        { label: 'queue, 1 per key over 100 keys', limits: { keyConcurrency: 1 }, keys: 100 },
        { label: 'queue, concurrency 16', limits: { concurrency: 16 } },
      ]
  const rates: number[] = []
  for (const c of cases) rates.push((await throughput(dialect, queueProcesses, c)).execPerSec)
  if (cases.length > 0) {
    table(
      `Claim rate with queue limits: ${EXECUTIONS} 3-step executions, ${queueProcesses} \`zart worker\` process(es), concurrency 64 each`,
      cases.map((c, i) => [
        c.label,
        `${fmt(rates[i] ?? NaN)} executions/s (${fmt((rates[i] ?? NaN) / (rates[0] ?? NaN), 2)} × no queue)`,
      ]),
    )
  }

  for (const where of SECTIONS.has('latency') ? (['same process', 'worker process'] as const) : []) {
    const { samples: l, floors, hotFloors } = await latency(dialect, where)
    // The physical floor of a 3-step workflow: its five durable commits (schedule, three
    // steps, finish), each at least one raw single-row commit from one connection.
    const floor = median(floors)
    const hotFloor = median(hotFloors)
    table(
      `Schedule → completed, one execution at a time, worker in ${where === 'same process' ? 'the same process' : 'a `zart worker` process'}, after ${fmt(WARM_RUNS)} warm-up runs`,
      [
        ['floor: 5 raw single-row commits after the same idle pause, p50', `${fmt(floor, 2)} ms`],
        ['5 raw single-row commits back to back, p50', `${fmt(hotFloor, 2)} ms`],
        ['p50', `${fmt(median(l), 2)} ms`],
        ['p99', `${fmt(percentile(l, 99), 2)} ms`],
        ['p50 ÷ floor (target ≤ 1.5)', fmt(median(l) / floor, 2)],
        ['p50 ÷ back-to-back commits', fmt(median(l) / hotFloor, 2)],
      ],
    )
  }
  if (SECTIONS.has('resume')) {
    const { samples: e, idle } = await eventToResume(dialect)
    table(
      `Event → resumed across processes (client here, \`zart worker\` child; ${dialect.name === 'postgres' ? 'LISTEN/NOTIFY' : 'KILL QUERY on a sleeping connection'})`,
      [
        ['p50', `${fmt(median(e), 2)} ms`],
        ['p90', `${fmt(percentile(e, 90), 2)} ms`],
        ['p99', `${fmt(percentile(e, 99), 2)} ms`],
        ['max', `${fmt(Math.max(...e), 2)} ms`],
        ['samples', fmt(e.length)],
        [`idle worker: ${idle.what} per second`, fmt(idle.perSec, 1)],
      ],
    )
  }
  await dialect.end()
}

await main()
