import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { tempDir } from '../helpers.ts'
import { runZart } from '../fixtures/zart-process.ts'
import {
  call,
  connectHttp,
  dbIn,
  suiteDir,
  EXAMPLE_WORKFLOWS,
  MCP_FIXTURES,
  startServe,
  type LooseJson,
  type Served,
} from './helpers.ts'

const workflows = [EXAMPLE_WORKFLOWS, MCP_FIXTURES]
let db: string
let served: Served

beforeAll(async () => {
  db = dbIn(suiteDir())
  served = await startServe(db, workflows, ['--session-idle', '1s'])
})
afterAll(async () => {
  await served?.stop()
})

/** A raw request, so the Host and Origin headers can be anything. */
function raw(url: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'GET', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

async function sessions(url: string): Promise<{ streamable: number; sse: number }> {
  return ((await (await fetch(`${url}/healthz`)).json()) as { sessions: { streamable: number; sse: number } }).sessions
}

async function eventually(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met in time: ${JSON.stringify(await sessions(served.url))}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe.each(['streamable', 'sse'] as const)('zart serve over %s', (kind) => {
  it('lists the tools with their schemas', async () => {
    const client = await connectHttp(served.url, kind)
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name).sort()).toEqual([
      'add_schedule',
      'cancel_execution',
      'deliver_event',
      'list_executions',
      'list_queues',
      'list_schedules',
      'list_workers',
      'list_workflows',
      'pause_execution',
      'pause_schedule',
      'remove_schedule',
      'replay_check',
      'rerun_execution',
      'resume_execution',
      'resume_schedule',
      'retry_execution',
      'run_workflow',
      'schedule',
      'set_queue',
      'status',
      'wait',
    ])
    // run_workflow's result is the workflow's own output, so it has no one output schema.
    for (const tool of tools) if (tool.name !== 'run_workflow') expect(tool.outputSchema?.type).toBe('object')
    expect(tools.find((t) => t.name === 'run_workflow')?.execution).toEqual({ taskSupport: 'optional' })
    expect(client.getInstructions()).toContain('deliver_event')
    await client.close()
  })

  it('runs the approval session', async () => {
    const id = `pipeline-${kind}`
    const client = await connectHttp(served.url, kind)
    expect((await call(client, 'schedule', { workflow: 'data-pipeline', id })).structuredContent).toMatchObject({
      execution_id: id,
      created: true,
    })
    let status: LooseJson = {}
    await eventually(
      async () => (
        (status = (await call(client, 'status', { execution_id: id })).structuredContent),
        status.status === 'waiting'
      ),
    )
    expect(status.waiting_for).toMatchObject([{ event: 'approval', schema: { type: 'object' } }])
    expect(
      (await call(client, 'deliver_event', { execution_id: id, event: 'approval', data: { approved: true } }))
        .structuredContent.result,
    ).toBe('delivered')
    const done = await call(client, 'wait', { execution_id: id, timeout_seconds: 20 })
    expect(done.structuredContent).toMatchObject({
      status: 'completed',
      timed_out: false,
      output: { rows_written: 990 },
    })
    const bad = await call(client, 'deliver_event', { execution_id: id, event: 'approval', data: { approved: true } })
    expect(bad.structuredContent.error.code).toBe('EXECUTION_TERMINAL')
    expect((await call(client, 'status', { execution_id: id })).isError).toBeFalsy()
    await client.close()
  })
})

describe('zart serve security', () => {
  it('refuses a foreign Host header and a foreign Origin', async () => {
    const port = new URL(served.url).port
    expect((await raw(served.url, '/healthz', { Host: `127.0.0.1:${port}` })).status).toBe(200)
    expect((await raw(served.url, '/mcp', { Host: `evil.example:${port}` })).status).toBe(403)
    expect((await raw(served.url, '/sse', { Host: 'evil.example' })).status).toBe(403)
    expect((await raw(served.url, '/healthz', { Origin: 'https://evil.example' })).status).toBe(403)
    expect((await raw(served.url, '/healthz', { Origin: 'http://localhost:5173' })).status).toBe(200)
  })

  it('will not listen beyond loopback without a token', async () => {
    const run = await runZart(['--db', db, 'serve', '--host', '0.0.0.0', '--port', '0'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/token/)
  })

  it('with a token, checks Authorization: Bearer on everything but /healthz; --allow-host adds Host names', async () => {
    const guarded = await startServe(dbIn(tempDir()), workflows, ['--token', 's3cret', '--allow-host', 'zart.internal'])
    try {
      expect((await fetch(`${guarded.url}/healthz`)).status).toBe(200)
      expect((await raw(guarded.url, '/healthz', { Host: 'zart.internal' })).status).toBe(200)
      expect((await raw(guarded.url, '/healthz', { Host: 'evil.example' })).status).toBe(403)
      expect((await fetch(`${guarded.url}/mcp`, { method: 'POST' })).status).toBe(401)
      expect(
        (await fetch(`${guarded.url}/mcp`, { method: 'POST', headers: { Authorization: 'Bearer wrong' } })).status,
      ).toBe(401)
      const client = new Client({ name: 'zart-test', version: '1.0.0' })
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${guarded.url}/mcp`), {
          requestInit: { headers: { Authorization: 'Bearer s3cret' } },
        }),
      )
      expect((await call(client, 'list_workflows')).isError).toBeFalsy()
      await client.close()
    } finally {
      await guarded.stop()
    }
  })
})

describe('zart serve sessions', () => {
  it('cleans up sessions when clients go away', async () => {
    await eventually(async () => {
      const s = await sessions(served.url)
      return s.sse === 0 && s.streamable === 0
    })
    const sse = await connectHttp(served.url, 'sse')
    const polite = new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`))
    const politeClient = new Client({ name: 'zart-test', version: '1.0.0' })
    await politeClient.connect(polite)
    const vanishing = await connectHttp(served.url, 'streamable')
    expect(await sessions(served.url)).toEqual({ streamable: 2, sse: 1 })

    await sse.close() // the SSE stream closes: its session ends with it
    await polite.terminateSession() // DELETE /mcp
    await politeClient.close()
    await eventually(
      async () => (await sessions(served.url)).sse === 0 && (await sessions(served.url)).streamable === 1,
    )
    await vanishing.close() // no DELETE: the session ends once idle (--session-idle 1s)
    await eventually(async () => (await sessions(served.url)).streamable === 0)
  })

  it('keeps executions across a server restart (a new agent session)', async () => {
    await served.stop()
    served = await startServe(db, workflows, ['--session-idle', '1s'])
    for (const kind of ['streamable', 'sse'] as const) {
      const client = await connectHttp(served.url, kind === 'sse' ? 'streamable' : 'sse') // the other transport this time
      expect((await call(client, 'status', { execution_id: `pipeline-${kind}` })).structuredContent).toMatchObject({
        status: 'completed',
        output: { rows_written: 990 },
      })
      await client.close()
    }
  })
})
