import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll } from 'vitest'
import { tempDb } from '../helpers.ts'
import { MCP_FIXTURES, startServe, type Served } from '../mcp/helpers.ts'

/** The workflows the HTTP tests run, next to the MCP fixtures (approval-flow, quick). */
export const HTTP_FIXTURES = fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url))

/** The workflow paths every HTTP test server loads. */
export const WORKFLOWS = [MCP_FIXTURES, HTTP_FIXTURES]

export type { Served }

/** Spawns `node bin/zart.js --db DB --workflows ... serve --port 0 ...args`; resolves once it listens. */
export function serve(db: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<Served> {
  return startServe(db, WORKFLOWS, args, env)
}

/**
 * One `zart serve` on a fresh SQLite database for the tests of a describe block, started
 * before them and stopped after: `doors.db` is the database the CLI and the store reach,
 * `doors.served` the server REST and MCP reach.
 */
export function serveOnFreshDb(): { readonly db: string; readonly served: Served } {
  const doors = {} as { db: string; served: Served }
  beforeAll(async () => {
    doors.db = tempDb()
    doors.served = await serve(doors.db)
  })
  afterAll(async () => {
    await doors.served?.stop()
  })
  return doors
}

/** A response read whole: status, headers and the body as JSON (or text when it is not JSON). */
export interface ApiResponse {
  status: number
  headers: Headers
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers of every shape
  body: any
  text: string
}

export interface ApiOptions {
  /** A JSON value to send, or a raw string (sent as is, with the given content type). */
  json?: unknown
  raw?: string | Buffer
  headers?: Record<string, string>
}

/** One REST call against `base` (a server URL) with fetch. */
export async function api(base: string, method: string, path: string, options: ApiOptions = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers }
  let body: string | Buffer | undefined
  if (options.raw !== undefined) body = options.raw
  else if (options.json !== undefined) {
    body = JSON.stringify(options.json)
    headers['content-type'] ??= 'application/json'
  }
  const response = await fetch(`${base}/api/v1${path}`, { method, headers, ...(body !== undefined && { body }) })
  const text = await response.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    // not JSON: the test will say so
  }
  return { status: response.status, headers: response.headers, body: parsed, text }
}

export { dump } from '../helpers.ts'

/** Polls `check` until it returns a value that is not undefined, or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 10_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error(`${what} not met within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
