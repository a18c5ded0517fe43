import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, connectHttp, dbIn, suiteDir } from '../mcp/helpers.ts'
import { api, eventually, serve, type Served } from './helpers.ts'

let served: Served
let url: string
let mcp: Client
let db: string

beforeAll(async () => {
  db = dbIn(suiteDir())
  served = await serve(db, ['--max-body', '64kb', '--max-payload', '16kb', '--max-waits', '2', '--max-wait', '3'])
  url = served.url
  await api(url, 'POST', '/executions', { json: { workflow: 'approval-flow', data: { rows: 1 }, id: 'lim-wait' } })
  await eventually(async () =>
    (await api(url, 'GET', '/executions/lim-wait')).body.status === 'waiting' ? true : undefined,
  )
  mcp = await connectHttp(url, 'streamable')
})
afterAll(async () => {
  await mcp?.close()
  expect(await served?.stop()).toBe(0)
})

describe('configured limits', () => {
  it('refuses a body over --max-body with 413 and says how to raise it', async () => {
    const res = await api(url, 'POST', '/executions', { json: { workflow: 'echo', data: 'a'.repeat(70_000) } })
    expect(res.status).toBe(413)
    expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limit: 65_536 })
    expect(res.body.detail).toMatch(/--max-body/)
  })

  it('refuses schedule and event data over --max-payload, through REST and MCP alike', async () => {
    const data = { text: 'b'.repeat(20_000) }
    const schedule = await api(url, 'POST', '/executions', { json: { workflow: 'echo', data } })
    expect(schedule.status).toBe(413)
    expect(schedule.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limit: 16_384 })
    const event = await api(url, 'POST', '/events/lim-wait/note', { json: data })
    expect(event.body.code).toBe('PAYLOAD_TOO_LARGE')
    const tool = await call(mcp, 'schedule', { workflow: 'echo', data })
    expect(tool.structuredContent.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: schedule.body.detail })
    const small = await api(url, 'POST', '/executions', { json: { workflow: 'echo', data: { text: 'ok' } } })
    expect(small.status).toBe(201)
  })

  it('bounds the wait timeout by --max-wait, in the check and in the OpenAPI document', async () => {
    const res = await api(url, 'GET', '/executions/lim-wait/wait?timeout=4')
    expect(res.status).toBe(400)
    expect(res.body.detail).toMatch(/at most 3 seconds/)
    const doc = (await api(url, 'GET', '/openapi.json')).body
    const timeout = doc.paths['/executions/{id}/wait'].get.parameters.find(
      (p: { name: string }) => p.name === 'timeout',
    )
    expect(timeout.schema.maximum).toBe(3)
  })

  it('allows --max-waits long polls at once; the next gets 429 with Retry-After, and a slot frees when one ends', async () => {
    const open = [
      api(url, 'GET', '/executions/lim-wait/wait?timeout=2'),
      api(url, 'GET', '/executions/lim-wait/wait?timeout=2'),
    ]
    await new Promise((resolve) => setTimeout(resolve, 300))
    const third = await api(url, 'GET', '/executions/lim-wait/wait?timeout=1')
    expect(third.status).toBe(429)
    expect(third.headers.get('retry-after')).toBe('1')
    expect(third.body.code).toBe('TOO_MANY_WAITS')
    for (const res of await Promise.all(open)) expect(res.body).toMatchObject({ status: 'waiting', timed_out: true })
    expect((await api(url, 'GET', '/executions/lim-wait/wait?timeout=0')).status).toBe(200)
  })

  it('gives a slot back when the caller hangs up', async () => {
    const aborts = [new AbortController(), new AbortController()]
    const open = aborts.map((a) =>
      fetch(`${url}/api/v1/executions/lim-wait/wait?timeout=3`, { signal: a.signal }).catch(() => null),
    )
    await new Promise((resolve) => setTimeout(resolve, 300))
    for (const a of aborts) a.abort()
    await Promise.all(open)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect((await api(url, 'GET', '/executions/lim-wait/wait?timeout=0')).status).toBe(200)
  })

  it('reports not ready (503) when the database schema is newer than this zart', async () => {
    expect((await fetch(`${url}/readyz`)).status).toBe(200)
    const sqlite = new Database(db.slice('sqlite:'.length))
    sqlite
      .prepare('INSERT INTO zart_migrations (name, applied_at) VALUES (?, ?)')
      .run('9999_from_the_future', Date.now())
    sqlite.close()
    await new Promise((resolve) => setTimeout(resolve, 1_100)) // past the one-second reuse of the last check
    const res = await fetch(`${url}/readyz`)
    expect(res.status).toBe(503)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(await res.json()).toMatchObject({ code: 'NOT_READY', cause: 'SCHEMA_TOO_NEW' })
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
  })
})
