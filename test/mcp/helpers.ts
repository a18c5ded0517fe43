import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client, type ClientOptions } from '@modelcontextprotocol/sdk/client/index.js'
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll } from 'vitest'
import { EXAMPLE_WORKFLOWS, ROOT, ZART_BIN } from '../fixtures/zart-process.ts'

export { EXAMPLE_WORKFLOWS }
/** Small workflows made for these tests. */
export const MCP_FIXTURES = fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url))

/** The environment of a spawned zart: none of the caller's ZART_* settings. */
export function zartEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !key.startsWith('ZART_')) env[key] = value
  return { ...env, ZART_LOG_LEVEL: 'warn', ...extra }
}

/** The global flags naming a database and workflow paths. */
export function zartArgs(db: string, workflows: readonly string[]): string[] {
  return ['--db', db, ...workflows.flatMap((w) => ['--workflows', w])]
}

/** A connected SDK client, with what its server wrote on stderr. */
export interface Connected {
  client: Client
  stderr(): string
}

/** Spawns `zart mcp` and connects an SDK client to it over stdio. */
export async function connectStdio(
  db: string,
  workflows: readonly string[],
  options: ClientOptions = {},
  mcpFlags: readonly string[] = [],
): Promise<Connected> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [ZART_BIN, ...zartArgs(db, workflows), 'mcp', ...mcpFlags],
    env: zartEnv(),
    cwd: ROOT,
    stderr: 'pipe',
  })
  let log = ''
  transport.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()))
  const client = new Client({ name: 'zart-test', version: '1.0.0' }, options)
  await client.connect(transport)
  return { client, stderr: () => log }
}

/** A running `zart serve`. */
export interface Served {
  child: ChildProcess
  url: string
  /** Everything it printed on stdout so far. */
  stdout(): string
  stderr(): string
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>
  /** SIGTERM, and resolves with the exit code once it is gone. */
  stop(): Promise<number | null>
}

/** Spawns `zart serve --port 0 ...extra` and resolves once it prints its URL. */
export function startServe(
  db: string,
  workflows: readonly string[],
  extra: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<Served> {
  const child = spawn(process.execPath, [ZART_BIN, ...zartArgs(db, workflows), 'serve', '--port', '0', ...extra], {
    cwd: ROOT,
    env: zartEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let log = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const match = /MCP at (http:\/\/\S+)\/mcp/.exec(out)
      if (match?.[1]) {
        resolve({
          child,
          url: match[1],
          stdout: () => out,
          stderr: () => log,
          exited,
          stop: () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
            return exited
          },
        })
      }
    })
    void exited.then((code) => reject(new Error(`zart serve exited (${code}) before listening: ${log}`)))
  })
}

/** Connects an SDK client to a `zart serve` over Streamable HTTP or legacy SSE. */
export async function connectHttp(
  url: string,
  kind: 'streamable' | 'sse',
  options: ClientOptions = {},
): Promise<Client> {
  const client = new Client({ name: 'zart-test', version: '1.0.0' }, options)
  const transport =
    kind === 'streamable'
      ? new StreamableHTTPClientTransport(new URL(`${url}/mcp`))
      : new SSEClientTransport(new URL(`${url}/sse`))
  await client.connect(transport)
  return client
}

/** Tool results are read loosely in tests: the assertions are what check their shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LooseJson = Record<string, any>

/** Calls a tool and returns its result with the structured content typed loosely. */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult & { structuredContent: LooseJson }> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult & { structuredContent: LooseJson }
}

/** A fresh SQLite database in `dir`. */
export function dbIn(dir: string): string {
  return `sqlite:${join(dir, 'zart.db')}`
}

/**
 * A folder that lasts the whole test file (test/helpers.ts' tempDir is removed after each
 * test, which would delete a database a server started in beforeAll still uses).
 */
export function suiteDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zart-mcp-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
