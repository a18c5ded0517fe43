import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDb } from '../helpers.ts'
import { call, connectHttp, type LooseJson } from '../mcp/helpers.ts'
import { api, serve, type Served } from './helpers.ts'

type Event = { event: string; data: LooseJson }

/** Follows a server-sent event stream: the events so far, and a way to wait for one. */
function follow(url: string) {
  const seen: Event[] = []
  const waiters: { match: (e: Event) => boolean; resolve: () => void }[] = []
  const done = (async () => {
    const response = await fetch(url)
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const decoder = new TextDecoder()
    let buffer = ''
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true })
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? ''
        const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as LooseJson
        seen.push({ event, data })
        for (const w of waiters.splice(0))
          if (w.match({ event, data })) w.resolve()
          else waiters.push(w)
      }
    }
    return seen
  })()
  const until = (match: (e: Event) => boolean) =>
    seen.some(match) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ match, resolve }))
  return { done, until }
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
    const stream = follow(`${served.url}/api/v1/executions/p-1/stream`)
    for (const n of [1, 2]) {
      // Each item only once the stream has shown the execution waiting for it, so each
      // progress is a change of its own that the stream must send.
      await stream.until((e) => e.data.status === 'waiting' && (e.data.progress?.fraction ?? 0) === (n - 1) / 2)
      expect((await api(served.url, 'POST', `/events/p-1/item`, { json: { n } })).status).toBe(202)
    }
    const seen = await stream.done
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
