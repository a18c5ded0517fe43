/**
 * MCP benchmark: the `status` round trip over stdio and HTTP, and `deliver_event` →
 * `wait` returning. Real processes and transports throughout, on a fresh SQLite database
 * with the bundled workflows. The stdio `status` round trip is measured beside a bare MCP
 * SDK server (bench/bare-mcp-server.mjs) in the same run. Cold start and idle memory
 * are bench/startup.ts's.
 *
 *   npx tsx bench/mcp.ts            (or through `npm run bench`)
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const BIN = join(ROOT, 'bin/zart.js')
const BARE = join(ROOT, 'bench/bare-mcp-server.mjs')
/** How each server is started: zart from the checkout (tsx), the bare server through tsx too. */
const ZART_ARGS = [BIN, 'mcp']
// tsx by path: the servers run in a scratch folder, where a bare `tsx` would not resolve.
const BARE_ARGS = ['--import', pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href, BARE]

export interface McpBenchResult {
  statusStdioMs: { median: number; p99: number }
  bareStatusStdioMs: { median: number; p99: number }
  statusHttpMs: { median: number; p99: number }
  deliverToWaitMs: { median: number; p99: number }
}

function env(home: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('ZART_')) out[k] = v
  return { ...out, ZART_HOME: home, ZART_LOG_LEVEL: 'warn' }
}

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
}
const stats = (xs: number[]) => ({ median: quantile(xs, 0.5), p99: quantile(xs, 0.99) })
const round = (n: number) => Math.round(n * 100) / 100

async function stdioClient(home: string, args: string[] = ZART_ARGS): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' })
  await client.connect(new StdioClientTransport({ command: process.execPath, args, cwd: home, env: env(home) }))
  return client
}

async function statusRoundTrips(client: Client, id: string, calls: number): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < calls + 20; i++) {
    const started = performance.now()
    await client.callTool({ name: 'status', arguments: { execution_id: id } })
    if (i >= 20) times.push(performance.now() - started) // the first calls warm up the JIT
  }
  return times
}

async function untilWaiting(client: Client, id: string): Promise<void> {
  for (;;) {
    const result = await client.callTool({ name: 'status', arguments: { execution_id: id } })
    if ((result.structuredContent as { status: string }).status === 'waiting') return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

async function deliverToWait(client: Client, runs: number): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const id = `bench-pipeline-${i}`
    await client.callTool({ name: 'schedule', arguments: { workflow: 'data-pipeline', id, data: { rows: 100 } } })
    await untilWaiting(client, id)
    let returned = 0
    const waiting = client
      .callTool({ name: 'wait', arguments: { execution_id: id, timeout_seconds: 30 } })
      .then((r) => {
        returned = performance.now()
        return r
      })
    await new Promise((resolve) => setTimeout(resolve, 20)) // let the wait start on the server
    const sent = performance.now()
    await client.callTool({
      name: 'deliver_event',
      arguments: { execution_id: id, event: 'approval', data: { approved: true } },
    })
    const result = await waiting
    if ((result.structuredContent as { status: string }).status !== 'completed')
      throw new Error(`${id} did not complete`)
    times.push(returned - sent)
  }
  return times
}

async function withServe<T>(home: string, body: (url: string) => Promise<T>): Promise<T> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
    cwd: home,
    env: env(home),
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk
        const match = /MCP at (\S+)/.exec(out)
        if (match?.[1]) resolve(match[1])
      })
      child.once('exit', (code) => reject(new Error(`zart serve exited ${code}`)))
    })
    return await body(url)
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
  }
}

/** Runs every measurement and returns the figures in milliseconds. */
export async function runMcpBench(options: { calls?: number; deliveries?: number } = {}): Promise<McpBenchResult> {
  const home = mkdtempSync(join(tmpdir(), 'zart-bench-mcp-'))
  try {
    const bare = await stdioClient(home, BARE_ARGS)
    const bareStatusStdioMs = stats(await statusRoundTrips(bare, 'bench-status', options.calls ?? 500))
    await bare.close()
    const client = await stdioClient(home)
    await client.callTool({ name: 'schedule', arguments: { workflow: 'data-pipeline', id: 'bench-status' } })
    const statusStdioMs = stats(await statusRoundTrips(client, 'bench-status', options.calls ?? 500))
    const deliverToWaitMs = stats(await deliverToWait(client, options.deliveries ?? 20))
    await client.close()
    const statusHttpMs = await withServe(home, async (url) => {
      const http = new Client({ name: 'bench', version: '1.0.0' })
      const transport = new StreamableHTTPClientTransport(new URL(url))
      await http.connect(transport)
      const figures = stats(await statusRoundTrips(http, 'bench-status', options.calls ?? 500))
      await transport.terminateSession()
      await http.close()
      return figures
    })
    return { statusStdioMs, bareStatusStdioMs, statusHttpMs, deliverToWaitMs }
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

/** Prints the figures as a small table. */
export function printMcpBench(result: McpBenchResult): void {
  const rows: [string, string][] = [
    [
      'status round trip over stdio (median / p99)',
      `${round(result.statusStdioMs.median)} / ${round(result.statusStdioMs.p99)} ms`,
    ],
    [
      'bare SDK server status round trip over stdio (median / p99)',
      `${round(result.bareStatusStdioMs.median)} / ${round(result.bareStatusStdioMs.p99)} ms`,
    ],
    [
      'status round trip over Streamable HTTP (median / p99)',
      `${round(result.statusHttpMs.median)} / ${round(result.statusHttpMs.p99)} ms`,
    ],
    [
      'deliver_event sent → wait returned completed, stdio (median / p99)',
      `${round(result.deliverToWaitMs.median)} / ${round(result.deliverToWaitMs.p99)} ms`,
    ],
  ]
  const width = Math.max(...rows.map(([label]) => label.length))
  console.log('MCP')
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printMcpBench(await runMcpBench())
}
