import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDb } from '../helpers.ts'
import { call, connectHttp, type LooseJson } from '../mcp/helpers.ts'
import { api, serve, type Served } from './helpers.ts'

/** Reads a server-sent event stream to its end: the events, in order. */
async function readEvents(url: string): Promise<{ event: string; data: LooseJson }[]> {
  const response = await fetch(url)
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
  const text = await response.text()
  return text
    .split('\n\n')
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => {
      const event = /^event: (.*)$/m.exec(chunk)?.[1] ?? ''
      const data = /^data: (.*)$/m.exec(chunk)?.[1] ?? 'null'
      return { event, data: JSON.parse(data) as LooseJson }
    })
}

describe('progress at every door', () => {
  let served: Served
  beforeAll(async () => {
    served = await serve(tempDb())
  })
  afterAll(async () => {
    await served?.stop()
  })

  it('REST: status shows it, and the stream sends each change until the execution ends', async () => {
    const scheduled = await api(served.url, 'POST', '/executions', {
      json: { workflow: 'collect', data: { count: 2 }, id: 'p-1' },
    })
    expect(scheduled.status).toBe(201)
    const events = readEvents(`${served.url}/api/v1/executions/p-1/stream`)
    for (const n of [1, 2]) {
      // Each item after the execution waits for it, so each progress is its own change.
      for (let i = 0; i < 100; i++) {
        const view = (await api(served.url, 'GET', '/executions/p-1')).body
        if (view.status === 'waiting' && (view.progress?.fraction ?? 0) === (n - 1) / 2) break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      // The stream looks every 250 ms: give it time to see this state before the next event.
      await new Promise((resolve) => setTimeout(resolve, 600))
      expect((await api(served.url, 'POST', `/events/p-1/item`, { json: { n } })).status).toBe(202)
    }
    const seen = await events
    const statuses = seen.filter((e) => e.event === 'status').map((e) => e.data)
    expect(statuses.at(-1)).toMatchObject({
      status: 'completed',
      output: { values: [1, 2] },
      progress: { fraction: 1, message: '2 of 2 items' },
    })
    expect(statuses.some((s) => s.progress?.message === '1 of 2 items')).toBe(true)
    expect((await api(served.url, 'GET', '/executions/p-1')).body.progress).toMatchObject({
      fraction: 1,
      message: '2 of 2 items',
      updated_at: expect.any(String),
    })
    expect((await api(served.url, 'GET', '/executions/nope/stream')).status).toBe(404)
    const spec = (await api(served.url, 'GET', '/openapi.json')).body
    expect(Object.keys(spec.paths['/executions/{id}/stream'].get.responses['200'].content)).toEqual([
      'text/event-stream',
    ])
  })

  it('MCP: status carries it, and wait sends it in its progress notifications', async () => {
    await api(served.url, 'POST', '/executions', { json: { workflow: 'collect', data: { count: 2 }, id: 'p-2' } })
    const client = await connectHttp(served.url, 'streamable')
    for (let i = 0; i < 100; i++) {
      if ((await call(client, 'status', { execution_id: 'p-2' })).structuredContent.status === 'waiting') break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await api(served.url, 'POST', '/events/p-2/item', { json: { n: 7 } })
    for (let i = 0; i < 100; i++) {
      const view = (await call(client, 'status', { execution_id: 'p-2' })).structuredContent
      if (view.progress?.fraction === 0.5 && view.status === 'waiting') break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect((await call(client, 'status', { execution_id: 'p-2' })).structuredContent.progress).toMatchObject({
      fraction: 0.5,
      message: '1 of 2 items',
    })
    const messages: string[] = []
    await client.callTool({ name: 'wait', arguments: { execution_id: 'p-2', timeout_seconds: 1 } }, undefined, {
      onprogress: (p) => void messages.push(p.message ?? ''),
    })
    expect(messages[0]).toMatch(/^waiting for event "item", 50% 1 of 2 items$/)
    await client.close()
  })
})
