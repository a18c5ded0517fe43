import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dbIn, suiteDir } from '../mcp/helpers.ts'
import { api, eventually, serve, type Served } from './helpers.ts'

let served: Served
let url: string

beforeAll(async () => {
  served = await serve(dbIn(suiteDir()))
  url = served.url
})
afterAll(async () => {
  expect(await served?.stop()).toBe(0)
})

const problemType = /^application\/problem\+json/

describe('REST API over real HTTP', () => {
  it('schedules: 201 created, 200 for the same id and data, 409 when the data differs', async () => {
    const first = await api(url, 'POST', '/executions', {
      json: { workflow: 'echo', data: { a: 1 }, id: 'rest-echo-1' },
    })
    expect(first.status).toBe(201)
    expect(first.body).toEqual({ execution_id: 'rest-echo-1', status: 'running', created: true })
    expect(first.headers.get('location')).toBe('/api/v1/executions/rest-echo-1')

    const again = await api(url, 'POST', '/executions', { json: { task: 'echo', data: { a: 1 }, id: 'rest-echo-1' } })
    expect(again.status).toBe(200)
    expect(again.body).toMatchObject({ execution_id: 'rest-echo-1', created: false })

    const conflict = await api(url, 'POST', '/executions', {
      json: { workflow: 'echo', data: { a: 2 }, id: 'rest-echo-1' },
    })
    expect(conflict.status).toBe(409)
    expect(conflict.headers.get('content-type')).toMatch(problemType)
    expect(conflict.body).toMatchObject({
      status: 409,
      code: 'ID_CONFLICT',
      title: 'Conflict',
      execution_id: 'rest-echo-1',
    })
    expect(conflict.body.type).toMatch(/^urn:zart:problem:/)
  })

  it('maps an idempotency key to one execution', async () => {
    const body = { workflow: 'echo', data: 'x', idempotency_key: 'order-42 "quoted"; ünïcode' }
    const first = await api(url, 'POST', '/executions', { json: body })
    const second = await api(url, 'POST', '/executions', { json: body })
    expect([first.status, second.status]).toEqual([201, 200])
    expect(second.body.execution_id).toBe(first.body.execution_id)
    const status = await api(url, 'GET', `/executions/${first.body.execution_id}`)
    expect(status.body.idempotency_key).toBe(body.idempotency_key)
  })

  it('starts no earlier than run_at', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString()
    const res = await api(url, 'POST', '/executions', { json: { workflow: 'echo', id: 'rest-later', run_at: at } })
    expect(res.status).toBe(201)
    const status = await api(url, 'GET', '/executions/rest-later')
    expect(status.body).toMatchObject({ status: 'pending', run_at: at })
    expect((await api(url, 'POST', '/executions/rest-later/cancel')).body.status).toBe('cancelled')
  })

  it('reads the status (with steps), waits, and returns the output', async () => {
    await api(url, 'POST', '/executions', { json: { workflow: 'echo', data: { hello: 'world' }, id: 'rest-echo-2' } })
    const done = await api(url, 'GET', '/executions/rest-echo-2/wait?timeout=10')
    expect(done.status).toBe(200)
    expect(done.body).toMatchObject({
      id: 'rest-echo-2',
      status: 'completed',
      timed_out: false,
      output: { hello: 'world' },
    })
    const status = await api(url, 'GET', '/executions/rest-echo-2?steps=true')
    expect(status.body.steps).toEqual([expect.objectContaining({ name: 'echo', status: 'completed', kind: 'step' })])
    expect(Object.keys(status.body)).toEqual(
      expect.arrayContaining(['id', 'workflow', 'status', 'step', 'waiting_for', 'attempt']),
    )
  })

  it('runs the approval session: waiting, event delivered (202), completed; then 409 terminal', async () => {
    await api(url, 'POST', '/executions', { json: { workflow: 'approval-flow', data: { rows: 7 }, id: 'rest-appr-1' } })
    const waiting = await eventually(async () => {
      const res = await api(url, 'GET', '/executions/rest-appr-1')
      return res.body.status === 'waiting' ? res.body : undefined
    })
    expect(waiting.waiting_for).toMatchObject([{ event: 'approval', schema: { type: 'object' } }])
    const timedOut = await api(url, 'GET', '/executions/rest-appr-1/wait?timeout=0.2')
    expect(timedOut.body).toMatchObject({ status: 'waiting', timed_out: true })

    const delivered = await api(url, 'POST', '/events/rest-appr-1/approval', {
      json: { approved: true },
      headers: { 'Idempotency-Key': 'evt-1' },
    })
    expect(delivered.status).toBe(202)
    expect(delivered.body.result).toBe('delivered')
    const duplicate = await api(url, 'POST', '/events/rest-appr-1/approval?event_id=evt-1', {
      json: { approved: true },
    })
    expect(duplicate.body.result).toBe('duplicate')

    const done = await api(url, 'GET', '/executions/rest-appr-1/wait?timeout=10')
    expect(done.body).toMatchObject({ status: 'completed', output: { approved: true, rows_written: 7 } })

    const late = await api(url, 'POST', '/events/rest-appr-1/approval', { json: { approved: false } })
    expect(late.status).toBe(409)
    expect(late.body).toMatchObject({ code: 'EXECUTION_TERMINAL', execution_status: 'completed' })
    expect((await api(url, 'POST', '/executions/rest-appr-1/cancel')).body.code).toBe('EXECUTION_TERMINAL')
  })

  it('buffers an event sent before the wait, and accepts any JSON (or no body) as event data', async () => {
    await api(url, 'POST', '/executions', {
      json: { workflow: 'collect', data: { count: 2, work_ms: 200 }, id: 'rest-col-1' },
    })
    const early = await api(url, 'POST', '/events/rest-col-1/item', { json: { n: 1 } })
    expect(early.body.result).toBe('buffered')
    await api(url, 'POST', '/events/rest-col-1/item', { json: { n: 2 } })
    const done = await api(url, 'GET', '/executions/rest-col-1/wait?timeout=10')
    expect(done.body).toMatchObject({ status: 'completed', output: { values: [1, 2] } })

    await api(url, 'POST', '/executions', { json: { workflow: 'quick', id: 'rest-quick-1' } })
    await api(url, 'GET', '/executions/rest-quick-1/wait?timeout=10')
    await api(url, 'POST', '/executions', {
      json: { workflow: 'echo', id: 'rest-later-2', run_at: Date.now() + 3_600_000 },
    })
    for (const raw of ['"yes"', '42', 'null', '[1,2]']) {
      const res = await api(url, 'POST', '/events/rest-later-2/anything', {
        raw,
        headers: { 'content-type': 'application/json' },
      })
      expect(res.status, raw).toBe(202)
    }
    expect((await api(url, 'POST', '/events/rest-later-2/anything')).status).toBe(202)
  })

  it('cancels: 200 with the status, 404 unknown, 409 terminal', async () => {
    await api(url, 'POST', '/executions', {
      json: { workflow: 'approval-flow', data: { rows: 1 }, id: 'rest-cancel-1' },
    })
    const cancelled = await api(url, 'POST', '/executions/rest-cancel-1/cancel')
    expect(cancelled.status).toBe(200)
    expect(cancelled.body).toMatchObject({ id: 'rest-cancel-1', status: 'cancelled' })
    expect((await api(url, 'POST', '/executions/rest-cancel-1/cancel')).status).toBe(409)
    const unknown = await api(url, 'POST', '/executions/no-such/cancel')
    expect(unknown.status).toBe(404)
    expect(unknown.body).toMatchObject({ code: 'EXECUTION_NOT_FOUND', execution_id: 'no-such' })
  })

  it('lists executions filtered and paged by cursor', async () => {
    for (let i = 0; i < 5; i++)
      await api(url, 'POST', '/executions', { json: { workflow: 'quick', id: `rest-page-${i}` } })
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const query: string = `/executions?workflow=quick&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
      const page = await api(url, 'GET', query)
      expect(page.status).toBe(200)
      expect(page.body.executions.length).toBeLessThanOrEqual(2)
      seen.push(...page.body.executions.map((e: { id: string }) => e.id))
      cursor = page.body.next_cursor
    } while (cursor)
    expect(seen.filter((id) => id.startsWith('rest-page-'))).toEqual([4, 3, 2, 1, 0].map((i) => `rest-page-${i}`))
    const cancelled = await api(url, 'GET', '/executions?status=cancelled')
    expect(cancelled.body.executions.every((e: { status: string }) => e.status === 'cancelled')).toBe(true)
  })

  it('lists the workflows with their input schemas', async () => {
    const res = await api(url, 'GET', '/workflows')
    const names = res.body.workflows.map((w: { name: string }) => w.name).sort()
    expect(names).toEqual(['approval-flow', 'collect', 'echo', 'quick'])
    const collect = res.body.workflows.find((w: { name: string }) => w.name === 'collect')
    expect(collect.input_schema).toMatchObject({ type: 'object', properties: { count: { type: 'integer' } } })
    expect(collect.events.item).toMatchObject({ type: 'object' })
  })

  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    const ready = await fetch(`${url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready', database: 'sqlite', migration: expect.any(String) })
  })

  it('serves an OpenAPI 3.1 document describing every route and its validation', async () => {
    const res = await api(url, 'GET', '/openapi.json')
    const doc = res.body
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/events/{id}/{name}',
      '/executions',
      '/executions/{id}',
      '/executions/{id}/cancel',
      '/executions/{id}/pause',
      '/executions/{id}/rerun',
      '/executions/{id}/resume',
      '/executions/{id}/retry',
      '/executions/{id}/stream',
      '/executions/{id}/wait',
      '/queues',
      '/queues/{name}',
      '/replay-check',
      '/schedules',
      '/schedules/{name}',
      '/schedules/{name}/pause',
      '/schedules/{name}/resume',
      '/workers',
      '/workflows',
    ])
    const schedule = doc.paths['/executions'].post
    const body = schedule.requestBody.content['application/json'].schema
    expect(body.additionalProperties).toBe(false)
    expect(body.properties.id.pattern).toBeTypeOf('string')
    expect(body.properties.id.maxLength).toBe(128)
    expect(Object.keys(schedule.responses)).toEqual(expect.arrayContaining(['200', '201', '400', '409', '413', '422']))
    const wait = doc.paths['/executions/{id}/wait'].get
    expect(wait.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'id', in: 'path', required: true }),
        expect.objectContaining({
          name: 'timeout',
          in: 'query',
          schema: expect.objectContaining({ maximum: 60, minimum: 0 }),
        }),
      ]),
    )
    const event = doc.paths['/events/{id}/{name}'].post
    expect(event.parameters.map((p: { name: string }) => p.name)).toEqual(['id', 'name', 'event_id', 'Idempotency-Key'])
    expect(doc.components.schemas.Problem.required).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']),
    )
    // Every operation documents each problem status it can answer with.
    for (const path of Object.values<Record<string, { responses: Record<string, unknown> }>>(doc.paths)) {
      for (const op of Object.values(path)) expect(Object.keys(op.responses).length).toBeGreaterThan(1)
    }
  })

  it('answers unknown routes with 404 and wrong methods with 405, as problems', async () => {
    const missing = await api(url, 'GET', '/nothing-here')
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toMatch(problemType)
    expect(missing.body.code).toBe('ROUTE_NOT_FOUND')
    const wrong = await api(url, 'DELETE', '/executions/abc')
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('GET')
  })
})
