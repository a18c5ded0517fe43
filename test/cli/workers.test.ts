import { describe, expect, it } from 'vitest'
import { api, serveOnFreshDb } from '../http/helpers.ts'
import { call, connectHttp } from '../mcp/helpers.ts'
import { json, runZart } from '../fixtures/zart-process.ts'

describe('live workers at every door', () => {
  const doors = serveOnFreshDb() // runs a worker, which reports itself

  it('CLI, REST and MCP list the same worker; a stopped one is gone', async () => {
    const rest = await api(doors.served.url, 'GET', '/workers')
    expect(rest.status).toBe(200)
    expect(rest.body.workers).toHaveLength(1)
    const [worker] = rest.body.workers
    expect(worker).toMatchObject({
      pid: doors.served.child.pid,
      workflows: expect.arrayContaining(['collect', 'echo']),
    })

    const cli = await runZart(['--db', doors.db, 'workers', '--json'])
    expect(cli.code).toBe(0)
    expect(json(cli)).toEqual({ workers: [{ ...worker, last_seen_at: expect.any(String) }] })
    const table = await runZart(['--db', doors.db, 'workers'])
    expect(table.stdout).toMatch(new RegExp(`^ID\\s+HOST:PID\\s+LAST SEEN\\s+WORKFLOWS\\n${worker.id}\\s`))

    const client = await connectHttp(doors.served.url, 'streamable')
    const mcp = await call(client, 'list_workers')
    expect(mcp.structuredContent.workers.map((w: { id: string }) => w.id)).toEqual([worker.id])
    await client.close()

    await doors.served.stop()
    const after = await runZart(['--db', doors.db, 'workers'])
    expect(after.stdout).toMatch(/^no worker is running on this database/)
  })
})
