import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDb } from '../helpers.ts'
import { api } from '../http/helpers.ts'
import { call, connectHttp, startServe, type Served } from '../mcp/helpers.ts'
import { FIXTURE_WORKFLOWS, json, runZart } from '../fixtures/zart-process.ts'

describe('child workflows at every door', () => {
  let db: string
  let served: Served
  beforeAll(async () => {
    db = tempDb()
    served = await startServe(db, [FIXTURE_WORKFLOWS])
  })
  afterAll(async () => {
    await served?.stop()
  })

  const until = async (id: string, status: string) => {
    for (let i = 0; i < 200; i++) {
      const view = await api(served.url, 'GET', `/executions/${encodeURIComponent(id)}`)
      if (view.body.status === status) return view.body
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`${id} never became ${status}`)
  }

  it('REST, CLI and MCP status show a parent’s children and a child’s parent; cancel cascades', async () => {
    const flags = ['--db', db, '--workflows', FIXTURE_WORKFLOWS]
    await api(served.url, 'POST', '/executions', { json: { workflow: 'fan-delegate', id: 'd-1' } })
    await until('d-1/fan-approval', 'waiting')
    const parent = await until('d-1', 'waiting')
    expect(parent).toMatchObject({
      waiting_for: [{ kind: 'child', child: 'd-1/fan-approval', step: 'fan-approval', deadline: null }],
      children: [{ id: 'd-1/fan-approval', workflow: 'fan-approval', status: 'waiting' }],
    })
    const cli = json(await runZart([...flags, 'status', 'd-1/fan-approval']))
    expect(cli).toMatchObject({ parent_id: 'd-1', status: 'waiting' })

    const client = await connectHttp(served.url, 'streamable')
    const mcp = await call(client, 'status', { execution_id: 'd-1' })
    expect(mcp.structuredContent).toMatchObject({ children: parent.children, waiting_for: parent.waiting_for })
    expect(JSON.stringify(mcp.content)).toMatch(/waiting for its child execution \\"d-1\/fan-approval\\" to end/)
    await client.close()

    const doc = (await api(served.url, 'GET', '/openapi.json')).text
    for (const field of ['"parent_id"', '"children"', '"child"']) expect(doc).toContain(field)

    await api(served.url, 'POST', `/events/${encodeURIComponent('d-1/fan-approval')}/decision`, {
      json: { ok: true },
    })
    expect(await until('d-1', 'completed')).toMatchObject({ output: { ok: true } })

    await api(served.url, 'POST', '/executions', { json: { workflow: 'fan-delegate', id: 'd-2' } })
    await until('d-2/fan-approval', 'waiting')
    const cancelled = await runZart([...flags, 'cancel', 'd-2'])
    expect(cancelled.code).toBe(0)
    expect((await api(served.url, 'GET', `/executions/${encodeURIComponent('d-2/fan-approval')}`)).body).toMatchObject({
      status: 'cancelled',
      parent_id: 'd-2',
    })
  })
})
