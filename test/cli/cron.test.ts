import { describe, expect, it } from 'vitest'
import { api, HTTP_FIXTURES, serveOnFreshDb } from '../http/helpers.ts'
import { call, connectHttp } from '../mcp/helpers.ts'
import { runZart } from '../fixtures/zart-process.ts'

describe('cron schedules at every door', () => {
  const doors = serveOnFreshDb()

  it('adds, lists, pauses, resumes and removes through CLI, REST and MCP with the same fields', async () => {
    const flags = ['--db', doors.db, '--workflows', HTTP_FIXTURES]
    const added = await runZart([
      ...flags,
      'cron',
      'add',
      'nightly',
      'echo',
      '0 3 * * *',
      '--timezone',
      'Europe/Berlin',
      '--data',
      '{"n":1}',
      '--overlap',
      'queue',
      '--catch-up',
      'all',
    ])
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).toMatch(/^added \| schedule: nightly \| next tick: \d{4}-\d\d-\d\dT\d\d:00:00\.000Z\n$/)

    const rest = await api(doors.served.url, 'GET', '/schedules')
    expect(rest.status).toBe(200)
    expect(rest.body.schedules).toEqual([
      expect.objectContaining({
        name: 'nightly',
        workflow: 'echo',
        cron: '0 3 * * *',
        timezone: 'Europe/Berlin',
        data: { n: 1 },
        overlap: 'queue',
        catch_up: 'all',
        paused: false,
        source: 'api',
      }),
    ])
    const client = await connectHttp(doors.served.url, 'streamable')
    expect((await call(client, 'list_schedules')).structuredContent).toEqual(rest.body)
    const cliList = await runZart([...flags, 'cron', 'list', '--json'])
    expect(JSON.parse(cliList.stdout)).toEqual(rest.body)

    expect((await call(client, 'pause_schedule', { name: 'nightly' })).structuredContent.paused).toBe(true)
    expect((await api(doors.served.url, 'POST', '/schedules/nightly/resume')).body.paused).toBe(false)
    const paused = await runZart([...flags, 'cron', 'pause', 'nightly'])
    expect(paused.stdout).toMatch(/^paused \| schedule: nightly/)
    expect((await api(doors.served.url, 'GET', '/schedules/nightly')).body.paused).toBe(true)

    const tools = (await client.listTools()).tools
    for (const name of ['add_schedule', 'remove_schedule', 'pause_schedule', 'resume_schedule'])
      expect(tools.find((t) => t.name === name)?.annotations?.destructiveHint, name).toBe(true)
    expect(tools.find((t) => t.name === 'list_schedules')?.annotations?.readOnlyHint).toBe(true)

    // A schedule ticking every second fires on the server's worker; status names it.
    const every = await call(client, 'add_schedule', { name: 'every', workflow: 'echo', cron: '* * * * * *' })
    expect(every.structuredContent).toMatchObject({ name: 'every', created: true })
    let ticked: { id: string } | undefined
    for (let i = 0; i < 100 && !ticked; i++) {
      const list = await api(doors.served.url, 'GET', '/executions?workflow=echo')
      ticked = list.body.executions.find((e: { id: string }) => e.id.startsWith('cron:every:'))
      if (!ticked) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(ticked).toBeDefined()
    const status = await call(client, 'status', { execution_id: ticked!.id })
    expect(status.structuredContent.schedule).toMatchObject({ name: 'every' })
    expect((await api(doors.served.url, 'DELETE', '/schedules/every')).body).toEqual({
      name: 'every',
      removed: true,
      declared_in_code: false,
    })

    const removed = await runZart([...flags, 'cron', 'remove', 'nightly'])
    expect(removed.stdout).toBe('removed | schedule: nightly\n')
    const gone = await api(doors.served.url, 'DELETE', '/schedules/nightly')
    expect(gone.status).toBe(404)
    expect(gone.body.code).toBe('SCHEDULE_NOT_FOUND')
    await client.close()
  })

  it('refuses bad input with the same code and message at every door, changing nothing', async () => {
    const flags = ['--db', doors.db, '--workflows', HTTP_FIXTURES]
    const client = await connectHttp(doors.served.url, 'streamable')
    await call(client, 'add_schedule', { name: 'taken', workflow: 'echo', cron: '0 * * * *' })
    const cases: { what: string; args: Record<string, string>; status: number; code: string; cli: boolean }[] = [
      { what: 'bad expression', args: { cron: '0 25 * * *' }, status: 400, code: 'INVALID_INPUT', cli: true },
      { what: 'unknown zone', args: { timezone: 'Mars/Olympus' }, status: 400, code: 'INVALID_INPUT', cli: true },
      { what: 'bad overlap', args: { overlap: 'twice' }, status: 400, code: 'INVALID_INPUT', cli: true },
      { what: 'name taken', args: { name: 'taken', cron: '5 * * * *' }, status: 409, code: 'ID_CONFLICT', cli: false },
      { what: 'unknown workflow', args: { workflow: 'nope' }, status: 422, code: 'UNKNOWN_WORKFLOW', cli: false },
    ]
    for (const { what, args, status, code, cli } of cases) {
      const input: Record<string, string> = { name: 'fresh', workflow: 'echo', cron: '0 9 * * *', ...args }
      const rest = await api(doors.served.url, 'POST', '/schedules', { json: input })
      expect({ what, status: rest.status, code: rest.body.code }).toEqual({ what, status, code })
      const mcp = await call(client, 'add_schedule', input)
      expect(mcp.isError, what).toBe(true)
      expect(mcp.structuredContent.error, what).toMatchObject({ code, message: rest.body.detail })
      if (!cli) continue
      const run = await runZart([
        ...flags,
        'cron',
        'add',
        input.name ?? '',
        input.workflow ?? '',
        input.cron ?? '',
        ...(input.timezone === undefined ? [] : ['--timezone', input.timezone]),
        ...(input.overlap === undefined ? [] : ['--overlap', input.overlap]),
      ])
      expect(run.code, what).toBe(2)
      expect(run.stderr, what).toBe(`error: ${String(rest.body.detail)}\n`)
    }
    const names = (await api(doors.served.url, 'GET', '/schedules')).body.schedules.map((s: { name: string }) => s.name)
    expect(names).toEqual(['taken'])
    await client.close()
  })
})
