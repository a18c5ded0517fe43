import { describe, expect, it } from 'vitest'
import { api, HTTP_FIXTURES, serveOnFreshDb } from '../http/helpers.ts'
import { call, connectHttp } from '../mcp/helpers.ts'
import { runZart } from '../fixtures/zart-process.ts'

describe('pause, resume and retry at every door', () => {
  const doors = serveOnFreshDb()

  it('CLI, REST and MCP pause and resume the same way; retry refuses a running execution', async () => {
    const flags = ['--db', doors.db, '--workflows', HTTP_FIXTURES]
    await api(doors.served.url, 'POST', '/executions', { json: { workflow: 'collect', data: { count: 1 }, id: 'r-1' } })

    const cli = await runZart([...flags, 'pause', 'r-1'])
    expect(cli.code).toBe(0)
    expect(cli.stdout).toBe('paused | execution_id: r-1\n')
    expect((await api(doors.served.url, 'GET', '/executions/r-1')).body.paused).toBe(true)

    const rest = await api(doors.served.url, 'POST', '/executions/r-1/resume')
    expect(rest.status).toBe(200)
    expect(rest.body.paused).toBeUndefined()

    const client = await connectHttp(doors.served.url, 'streamable')
    const paused = await call(client, 'pause_execution', { execution_id: 'r-1' })
    expect(paused.structuredContent).toMatchObject({ id: 'r-1', paused: true })
    expect((await call(client, 'resume_execution', { execution_id: 'r-1' })).structuredContent.paused).toBeUndefined()
    const tools = (await client.listTools()).tools
    for (const name of ['pause_execution', 'resume_execution', 'retry_execution'])
      expect(tools.find((t) => t.name === name)?.annotations?.destructiveHint, name).toBe(true)

    const early = await call(client, 'retry_execution', { execution_id: 'r-1' })
    expect(early.isError).toBe(true)
    expect(early.structuredContent.error).toMatchObject({ code: 'INVALID_INPUT' })
    expect(early.structuredContent.error.message).toMatch(/only a failed, timed_out or cancelled execution/)
    await client.close()

    // Cancelled, then retried: it runs again and takes its event.
    expect((await api(doors.served.url, 'POST', '/executions/r-1/cancel')).status).toBe(200)
    const retried = await runZart([...flags, 'retry', 'r-1', '--timeout', '1h'])
    expect(retried.code).toBe(0)
    expect(retried.stdout).toBe('retrying | execution_id: r-1\n')
    for (let i = 0; i < 100; i++) {
      if ((await api(doors.served.url, 'GET', '/executions/r-1')).body.status === 'waiting') break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await api(doors.served.url, 'POST', '/events/r-1/item', { json: { n: 9 } })
    const done = await api(doors.served.url, 'GET', '/executions/r-1/wait?timeout=10')
    expect(done.body).toMatchObject({ status: 'completed', output: { values: [9] } })

    expect((await api(doors.served.url, 'POST', '/executions/r-1/pause')).status).toBe(409)
    expect((await api(doors.served.url, 'POST', '/executions/nope/retry', { json: {} })).status).toBe(404)
    expect(
      (await api(doors.served.url, 'POST', '/executions/r-1/retry', { json: { timeout: 'soon', extra: 1 } })).status,
    ).toBe(400)
  })
})

describe('rerun at every door', () => {
  // Its own database and server: test/helpers.ts removes temp folders after each test.
  const doors = serveOnFreshDb()

  it('reruns from a step at every door: a new, linked execution; the original stays', async () => {
    const flags = ['--db', doors.db, '--workflows', HTTP_FIXTURES]
    const made = await api(doors.served.url, 'POST', '/executions', {
      json: { workflow: 'echo', data: { n: 1 }, id: 'orig-1' },
    })
    expect(made.status, made.text).toBe(201)
    await api(doors.served.url, 'GET', '/executions/orig-1/wait?timeout=10')
    const cli = await runZart([
      ...flags,
      'rerun',
      'orig-1',
      '--from-step',
      'echo',
      '--data',
      '{"n":2}',
      '--id',
      'orig-1-b',
    ])
    expect(cli.code, cli.stderr).toBe(0)
    expect(cli.stdout).toBe('rerun | execution_id: orig-1-b | rerun_of: orig-1\n')
    const rest = await api(doors.served.url, 'POST', '/executions/orig-1/rerun', {
      json: { from_step: 'echo', id: 'orig-1-c' },
    })
    expect(rest.status).toBe(201)
    expect(rest.body).toMatchObject({ id: 'orig-1-c', rerun_of: 'orig-1' })
    const client = await connectHttp(doors.served.url, 'streamable')
    const mcp = await call(client, 'rerun_execution', { execution_id: 'orig-1', from_step: 'echo', data: { n: 3 } })
    expect(mcp.structuredContent).toMatchObject({ rerun_of: 'orig-1' })
    const typo = await call(client, 'rerun_execution', { execution_id: 'orig-1', from_step: 'ecko' })
    expect(typo.structuredContent.error.message).toMatch(/has no step "ecko": its steps are echo/)
    await client.close()
    const done = await api(doors.served.url, 'GET', '/executions/orig-1-b/wait?timeout=10')
    expect(done.body).toMatchObject({ status: 'completed', output: { n: 2 }, rerun_of: 'orig-1' })
    expect((await api(doors.served.url, 'GET', '/executions/orig-1')).body.output).toEqual({ n: 1 })
  })
})
