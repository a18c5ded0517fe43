import { describe, expect, it } from 'vitest'
import { api, HTTP_FIXTURES, serveOnFreshDb } from '../http/helpers.ts'
import { call, connectHttp } from '../mcp/helpers.ts'
import { json, runZart } from '../fixtures/zart-process.ts'

describe('queues at every door', () => {
  const doors = serveOnFreshDb()

  it('refuses a limit below 1 alike at every door; defines a queue, schedules into it, dedupes, says why one waits', async () => {
    const flags = ['--db', doors.db, '--workflows', HTTP_FIXTURES]
    const cli = await runZart([...flags, 'queue', 'set', 'q', '--concurrency', '0'])
    expect(cli.code).toBe(2)
    const rest = await api(doors.served.url, 'PUT', '/queues/q', { json: { concurrency: 0 } })
    expect(rest.status).toBe(400)
    expect(rest.body.code).toBe('INVALID_INPUT')
    const client = await connectHttp(doors.served.url, 'streamable')
    const mcp = await call(client, 'set_queue', { name: 'q', concurrency: 0 })
    expect(mcp.isError).toBe(true)
    expect(mcp.structuredContent.error.code).toBe('INVALID_INPUT')
    const message = mcp.structuredContent.error.message as string
    expect(message).toMatch(/^invalid queue "q": concurrency must be a whole number from 1 to 1000000 .*use at least 1/)
    expect(rest.body.detail).toBe(message)
    expect(cli.stderr).toContain(message)
    const badRate = await api(doors.served.url, 'PUT', '/queues/q', { json: { rate_limit: { limit: 3, period: 0 } } })
    expect(badRate.body.detail).toMatch(/rateLimit.period must be at least 1ms/)
    expect((await call(client, 'list_queues')).structuredContent).toEqual({ queues: [] })
    await client.close()

    // One test: test/helpers.ts removes the database's folder after each test.
    const set = await runZart([
      ...flags,
      'queue',
      'set',
      'limited',
      '--rate-limit',
      '1',
      '--rate-period',
      '1h',
      '--json',
    ])
    expect(set.code).toBe(0)
    const queue = {
      name: 'limited',
      concurrency: null,
      key_concurrency: null,
      rate_limit: { limit: 1, period_ms: 3_600_000 },
    }
    expect(json(set)).toEqual(queue)
    expect((await api(doors.served.url, 'GET', '/queues')).body).toEqual({ queues: [queue] })

    const first = await api(doors.served.url, 'POST', '/executions', {
      json: { workflow: 'collect', data: { count: 1 }, id: 'q-1', queue: 'limited', priority: 2 },
    })
    expect(first.status).toBe(201)
    const second = await runZart([
      ...flags,
      'schedule',
      'collect',
      '--data',
      '{"count":1}',
      '--id',
      'q-2',
      '--queue',
      'limited',
    ])
    expect(second.code).toBe(0)

    const mcpClient = await connectHttp(doors.served.url, 'streamable')
    const args = { workflow: 'collect', data: { count: 1 }, queue: 'limited', dedupe_key: 'only-once' }
    const third = await call(mcpClient, 'schedule', { ...args, id: 'q-3' })
    expect(third.structuredContent).toMatchObject({ execution_id: 'q-3', created: true })
    const again = await call(mcpClient, 'schedule', { ...args, id: 'q-4' })
    expect(again.structuredContent).toMatchObject({ execution_id: 'q-3', created: false, deduplicated: true })

    // q-1 starts (it has the higher priority) and waits for its event; the rate limit holds q-2 back.
    for (let i = 0; i < 200; i++) {
      if ((await api(doors.served.url, 'GET', '/executions/q-1')).body.status === 'waiting') break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const held = (await api(doors.served.url, 'GET', '/executions/q-2')).body
    expect(held).toMatchObject({ status: 'pending', queue: { name: 'limited', priority: 0 } })
    expect(held.queue_reason).toMatch(
      /^rate limited until \d{4}-.*Z \(queue limited starts at most 1 per 3600000 ms\)$/,
    )
    const shown = json(await runZart([...flags, 'status', 'q-2']))
    expect(shown.queue_reason).toBe(held.queue_reason)
    const viaMcp = await call(mcpClient, 'status', { execution_id: 'q-2' })
    expect(viaMcp.structuredContent.queue_reason).toBe(held.queue_reason)
    await mcpClient.close()
  })
})
