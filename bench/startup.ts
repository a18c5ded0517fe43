/**
 * Start-up benchmark: how fast the CLI doors start and how much memory they hold idle,
 * each figure beside its baseline measured in the same run.
 *
 * - `zart mcp` spawn → tools/list answered, beside a bare MCP SDK stdio server offering
 *   as many tools (bench/bare-mcp-server.mjs). Target: at most 1.5 ×.
 * - `zart status <id>` from a shell, beside `node -e ''`. Target: at most 2 × node's
 *   time plus the query itself (open the database, read the execution, close, timed in
 *   this process once warm).
 * - Idle RSS of `zart mcp` and `zart worker`, beside the bare server's. Target: + 20 MiB.
 *
 * Both ways zart runs are measured: from this checkout (bin/zart.js runs src/ with Node's
 * own type stripping where it has it, else through tsx, and the bare server then runs
 * through tsx too) and installed (the packed tarball
 * installed offline into a scratch project, running the compiled dist/; the bare server
 * runs as plain JavaScript). Runs alternate between zart and its baseline so that the
 * machine's load falls on both alike; figures are medians. Beside each wall time is the CPU
 * time the processes used (Linux, from /proc; a mean, as the kernel counts in 10 ms
 * ticks), which a busy machine disturbs much less.
 *
 *   npx tsx bench/startup.ts [--runs 15] [--only checkout|installed]   (or `npm run bench`)
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { createZart } from '../src/client/zart.ts'
import { installProject, packTarball } from '../test/package/installed-project.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const BARE = join(ROOT, 'bench/bare-mcp-server.mjs')
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href

/** One way of running zart, with the way of running its baseline that matches it. */
interface Door {
  name: string
  /** Node arguments that start `zart` (the command's own arguments follow). */
  zart: string[]
  /** Node arguments that start the bare SDK server with `tools` tools. */
  bare: (tools: number) => string[]
}

/** A wall time (median of runs) and the CPU time behind it (mean of runs), in ms. */
interface Timing {
  ms: number
  cpuMs: number
}

interface Figures {
  door: string
  tools: number
  mcp: Timing
  bareMcp: Timing
  status: Timing
  node: Timing
  queryMs: number
  rssMiB: { mcp: number; worker: number; bare: number }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const timing = (runs: Sample[]): Timing => ({
  ms: median(runs.map((r) => r.ms)),
  cpuMs: mean(runs.map((r) => r.cpuMs)),
})

interface Sample {
  ms: number
  cpuMs: number
}

/** Linux counts CPU time in ticks of 10 ms (USER_HZ is 100 on every common build). */
const TICK_MS = 10

/**
 * CPU time (user + system) in ms from /proc: of the process `pid`, or with `children`, of
 * this process's children that have ended and been waited for. NaN where there is no /proc.
 */
function cpuMs(pid: number | 'self', children = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number)
    const at = children ? 13 : 11
    return ((fields[at] ?? NaN) + (fields[at + 1] ?? NaN)) * TICK_MS
  } catch {
    return NaN
  }
}
const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits
const signed = (n: number) => `${n >= 0 ? '+' : ''}${round(n, 1)}`

function env(home: string, level = 'warn'): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('ZART_')) out[k] = v
  return { ...out, ZART_HOME: home, ZART_LOG_LEVEL: level }
}

async function mcpClient(home: string, args: string[]): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' })
  await client.connect(new StdioClientTransport({ command: process.execPath, args, cwd: home, env: env(home) }))
  return client
}

/** Spawn → tools/list answered, in ms, and the server's CPU time until then; with the number of tools. */
async function coldStart(home: string, args: string[]): Promise<Sample & { tools: number }> {
  const started = performance.now()
  const client = await mcpClient(home, args)
  const { tools } = await client.listTools()
  const ms = performance.now() - started
  const cpu = cpuMs((client.transport as StdioClientTransport | undefined)?.pid ?? 0)
  await client.close()
  return { ms, cpuMs: cpu, tools: tools.length }
}

/** Resident set of a process in MiB, read from /proc (NaN where there is none). */
function rssMiB(pid: number | null | undefined): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb === undefined ? NaN : Number(kb) / 1024
  } catch {
    return NaN
  }
}

async function idleMcpRss(home: string, args: string[]): Promise<number> {
  const client = await mcpClient(home, args)
  await client.listTools()
  await sleep(1_000)
  const rss = rssMiB((client.transport as StdioClientTransport | undefined)?.pid)
  await client.close()
  return rss
}

async function idleWorkerRss(home: string, door: Door): Promise<number> {
  const child = spawn(process.execPath, [...door.zart, 'worker'], {
    cwd: home,
    env: env(home, 'info'),
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  try {
    await new Promise<void>((resolve, reject) => {
      let err = ''
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        err += chunk
        if (err.includes('worker started')) resolve()
      })
      child.once('exit', (code) => reject(new Error(`zart worker exited ${code}: ${err}`)))
    })
    await sleep(1_000)
    return rssMiB(child.pid)
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
  }
}

/** Wall time of one command run to its end, as a shell runs it, and its CPU time, in ms. */
function timed(home: string, args: string[]): Sample {
  const cpuBefore = cpuMs('self', true)
  const started = performance.now()
  const result = spawnSync(process.execPath, args, { cwd: home, env: env(home), stdio: ['ignore', 'ignore', 'pipe'] })
  const ms = performance.now() - started
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${String(result.stderr)}`)
  return { ms, cpuMs: cpuMs('self', true) - cpuBefore }
}

/** The query `zart status` makes, without the process around it: open, read, close. */
async function queryMs(db: string, id: string, runs: number): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < runs + 3; i++) {
    const started = performance.now()
    const zart = await createZart({ db })
    await zart.status(id)
    await zart.close()
    if (i >= 3) times.push(performance.now() - started) // the first ones warm up the JIT
  }
  return median(times)
}

async function measure(door: Door, runs: number): Promise<Figures> {
  const home = mkdtempSync(join(tmpdir(), 'zart-bench-startup-'))
  try {
    // Warm-up, not timed: fills tsx's and Node's caches, creates the database.
    const { tools } = await coldStart(home, [...door.zart, 'mcp'])
    await coldStart(home, door.bare(tools))
    const mcp: Sample[] = []
    const bare: Sample[] = []
    for (let i = 0; i < runs; i++) {
      mcp.push(await coldStart(home, [...door.zart, 'mcp']))
      bare.push(await coldStart(home, door.bare(tools)))
    }

    const id = 'bench-status'
    timed(home, [...door.zart, 'schedule', 'data-pipeline', '--id', id])
    const status: Sample[] = []
    const node: Sample[] = []
    for (let i = 0; i < runs; i++) {
      status.push(timed(home, [...door.zart, 'status', id]))
      node.push(timed(home, ['-e', '']))
    }
    const query = await queryMs(`sqlite:${join(home, 'zart.db')}`, id, runs)

    const rssMiB = {
      mcp: await idleMcpRss(home, [...door.zart, 'mcp']),
      worker: await idleWorkerRss(home, door),
      bare: await idleMcpRss(home, door.bare(tools)),
    }
    return {
      door: door.name,
      tools,
      mcp: timing(mcp),
      bareMcp: timing(bare),
      status: timing(status),
      node: timing(node),
      queryMs: query,
      rssMiB,
    }
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

/** Runs the benchmark on the doors named (both by default) and returns the figures. */
export async function runStartupBench(options: { runs?: number; only?: string } = {}): Promise<Figures[]> {
  const runs = options.runs ?? 15
  const figures: Figures[] = []
  const scratch = mkdtempSync(join(tmpdir(), 'zart-bench-package-'))
  try {
    if (options.only === undefined || options.only === 'checkout') {
      // Where Node strips types itself, bin/zart.js runs src/ with no loader, and so does
      // the baseline: plain JavaScript. Elsewhere both go through tsx.
      const native = Boolean((process.features as { typescript?: unknown }).typescript)
      figures.push(
        await measure(
          {
            name: native ? "checkout (Node's type stripping, src/)" : 'checkout (tsx, src/)',
            zart: [join(ROOT, 'bin/zart.js')],
            bare: (tools) => (native ? [BARE, String(tools)] : ['--import', TSX_LOADER, BARE, String(tools)]),
          },
          runs,
        ),
      )
    }
    if (options.only === undefined || options.only === 'installed') {
      const project = join(scratch, 'project')
      mkdirSync(project)
      installProject(project, packTarball(scratch), { name: 'bench', version: '1.0.0', type: 'module' })
      figures.push(
        await measure(
          {
            name: 'installed (dist/)',
            zart: [join(project, 'node_modules/zart/bin/zart.js')],
            bare: (tools) => [BARE, String(tools)],
          },
          runs,
        ),
      )
    }
    return figures
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

/** Prints each figure beside its baseline, the ratio, and the target. */
export function printStartupBench(figures: readonly Figures[]): void {
  const ms = (n: number) => `${round(n)} ms`
  const ratio = (n: number, target: string) => `${round(n, 2)}x (${target})`
  for (const f of figures) {
    const budget = (node: number) => 2 * node + f.queryMs
    const rows: [string, string, string, string][] = [
      ['figure', 'zart', 'baseline', 'ratio (target)'],
      [
        `mcp spawn → tools/list (${f.tools} tools each)`,
        ms(f.mcp.ms),
        `bare SDK server ${ms(f.bareMcp.ms)}`,
        ratio(f.mcp.ms / f.bareMcp.ms, '≤ 1.5x'),
      ],
      [
        '  its CPU time',
        ms(f.mcp.cpuMs),
        `bare ${ms(f.bareMcp.cpuMs)}`,
        ratio(f.mcp.cpuMs / f.bareMcp.cpuMs, '≤ 1.5x'),
      ],
      [
        'status <id> from a shell',
        ms(f.status.ms),
        `2 × node -e '' ${ms(f.node.ms)} + query ${round(f.queryMs, 1)} ms = ${ms(budget(f.node.ms))}`,
        ratio(f.status.ms / budget(f.node.ms), '≤ 1x'),
      ],
      [
        '  its CPU time',
        ms(f.status.cpuMs),
        `2 × ${ms(f.node.cpuMs)} + query = ${ms(budget(f.node.cpuMs))}`,
        ratio(f.status.cpuMs / budget(f.node.cpuMs), '≤ 1x'),
      ],
      [
        'idle RSS, mcp (1 s after tools/list)',
        `${round(f.rssMiB.mcp, 1)} MiB`,
        `bare SDK server ${round(f.rssMiB.bare, 1)} MiB`,
        `${signed(f.rssMiB.mcp - f.rssMiB.bare)} MiB (≤ +20)`,
      ],
      [
        'idle RSS, worker (1 s after start)',
        `${round(f.rssMiB.worker, 1)} MiB`,
        `bare SDK server ${round(f.rssMiB.bare, 1)} MiB`,
        `${signed(f.rssMiB.worker - f.rssMiB.bare)} MiB (≤ +20)`,
      ],
    ]
    const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]?.length ?? 0)))
    console.log(`Start-up, ${f.door}; wall: medians of runs alternating with the baseline; CPU: means`)
    for (const row of rows) console.log(`  ${row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ')}`)
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2)
  const valueOf = (name: string) => {
    const at = args.indexOf(`--${name}`)
    return at >= 0 ? args[at + 1] : undefined
  }
  const runs = valueOf('runs')
  const only = valueOf('only')
  printStartupBench(
    await runStartupBench({ ...(runs !== undefined && { runs: Number(runs) }), ...(only !== undefined && { only }) }),
  )
}
