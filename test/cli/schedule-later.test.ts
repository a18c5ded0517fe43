import { describe, expect, it } from 'vitest'
import { api, serveOnFreshDb } from '../http/helpers.ts'
import { call, connectHttp } from '../mcp/helpers.ts'
import { json, runZart } from '../fixtures/zart-process.ts'
import { HTTP_FIXTURES } from '../http/helpers.ts'

/** Within a minute of `now + ms`: the processes' clocks are the machine's. */
const about = (iso: string, ms: number) => Math.abs(Date.parse(iso) - (Date.now() + ms)) < 60_000

describe('scheduling for later at every door', () => {
  const doors = serveOnFreshDb()

  it('CLI --delay and --run-at, REST delay, MCP delay: pending until then, run_at shown', async () => {
    const flags = ['--db', doors.db, '--workflows', HTTP_FIXTURES]
    const later = await runZart([...flags, 'schedule', 'echo', '--delay', '2h', '--id', 'later-1'])
    expect(later.code).toBe(0)
    expect(later.stdout).toMatch(/^scheduled \| execution_id: later-1 \| runs at \d{4}-/)
    const at = await runZart([...flags, 'schedule', 'echo', '--run-at', '2031-01-01T09:00:00Z', '--json'])
    expect(json(at)).toMatchObject({ status: 'pending', created: true, run_at: '2031-01-01T09:00:00.000Z' })
    const both = await runZart([...flags, 'schedule', 'echo', '--delay', '1h', '--run-at', '2031-01-01T09:00:00Z'])
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/give run_at or delay, not both/)

    const status = (await api(doors.served.url, 'GET', '/executions/later-1')).body
    expect(status.status).toBe('pending')
    expect(about(status.run_at, 2 * 3_600_000)).toBe(true)

    const rest = await api(doors.served.url, 'POST', '/executions', { json: { workflow: 'echo', delay: '10m' } })
    expect(rest.status).toBe(201)
    expect(about(rest.body.run_at, 600_000)).toBe(true)

    const client = await connectHttp(doors.served.url, 'streamable')
    const mcp = await call(client, 'schedule', { workflow: 'echo', delay: '30m' })
    expect(mcp.isError).toBeFalsy()
    expect(about(mcp.structuredContent.run_at, 1_800_000)).toBe(true)
    const bad = await call(client, 'schedule', { workflow: 'echo', delay: 'soon' })
    expect(bad.isError).toBe(true)
    expect(bad.structuredContent.error.message).toMatch(/delay "soon" is not a duration/)
    await client.close()

    const listed = (await api(doors.served.url, 'GET', '/executions?status=pending')).body.executions
    expect(listed.length).toBeGreaterThanOrEqual(4)
    for (const execution of listed) expect(execution.run_at).toEqual(expect.any(String))
  })
})
