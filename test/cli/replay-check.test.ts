import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createZart, type WorkflowLike } from '../../src/index.ts'
import { tempDir } from '../helpers.ts'
import { api } from '../http/helpers.ts'
import { call, connectHttp, startServe, type Served } from '../mcp/helpers.ts'
import { ROOT, runZart } from '../fixtures/zart-process.ts'

/** The `order` workflow as two deploys write it: v2 renamed the first step. */
const source = (first: string) => `
import { defineWorkflow } from ${JSON.stringify(pathToFileURL(join(ROOT, 'src/index.ts')).href)}
export const order = defineWorkflow({ name: 'order' }, async (ctx) => {
  await ctx.step(${JSON.stringify(first)}, () => 1)
  await ctx.waitForEvent('go')
  return ctx.step('ship', () => 2)
})
`

describe('replay-check at every door', () => {
  let db: string
  let v1: string
  let v2: string
  let served: Served
  let waitingId: string

  beforeAll(async () => {
    const dir = tempDir()
    db = `sqlite:${join(dir, 'zart.db')}`
    v1 = join(dir, 'v1')
    v2 = join(dir, 'v2')
    mkdirSync(v1)
    mkdirSync(v2)
    // An ES module project, as a user's would be.
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
    writeFileSync(join(v1, 'order.ts'), source('charge'))
    writeFileSync(join(v2, 'order.ts'), source('pay'))
    // Executions started under v1, now waiting: what a deploy of v2 would meet.
    const { order } = (await import(pathToFileURL(join(v1, 'order.ts')).href)) as { order: WorkflowLike }
    const zart = await createZart({ db, workflows: [order] })
    waitingId = (await zart.schedule('order', {}, { id: 'old-1' })).execution_id
    await zart.drain()
    expect((await zart.status(waitingId)).status).toBe('waiting')
    await zart.close()
    served = await startServe(db, [v2])
  })

  afterAll(async () => {
    await served?.stop()
  })

  it('CLI: exit 1 and one line per execution the new code would stop; exit 0 with the old code', async () => {
    const against = await runZart(['--db', db, '--workflows', v2, 'replay-check'])
    expect(against.code).toBe(1)
    expect(against.stdout).toMatch(
      /^diverged \| old-1 \(order\) \| replay diverged: history has step "charge" at durable point #1, but the code asked for step "pay"/m,
    )
    expect(against.stdout).toMatch(/checked 1, diverged 1\n$/)
    const same = await runZart(['--db', db, '--workflows', v1, 'replay-check', '--json'])
    expect(same.code).toBe(0)
    expect(JSON.parse(same.stdout)).toEqual({ checked: 1, diverged: [], skipped: 0 })
    const bad = await runZart(['--db', db, '--workflows', v1, 'replay-check', '--workflow', 'nope'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/UNKNOWN_WORKFLOW|unknown workflow/i)
  })

  it('REST and MCP: the same finding, read-only', async () => {
    const rest = await api(served.url, 'GET', '/replay-check?workflow=order')
    expect(rest.status).toBe(200)
    expect(rest.body).toMatchObject({
      checked: 1,
      skipped: 0,
      diverged: [
        {
          execution_id: 'old-1',
          workflow: 'order',
          status: 'waiting',
          position: 1,
          history: { kind: 'step', name: 'charge' },
          code: { kind: 'step', name: 'pay' },
        },
      ],
    })
    expect((await api(served.url, 'GET', '/replay-check?limit=0')).status).toBe(400)
    const spec = await api(served.url, 'GET', '/openapi.json')
    expect(spec.body.paths['/replay-check'].get.operationId).toBe('replayCheck')

    const client = await connectHttp(served.url, 'streamable')
    const result = await call(client, 'replay_check', { workflow: 'order' })
    expect(result.isError).toBeFalsy()
    expect(result.structuredContent).toEqual(rest.body)
    const tool = (await client.listTools()).tools.find((t) => t.name === 'replay_check')
    expect(tool?.annotations?.readOnlyHint).toBe(true)
    await client.close()
    // Nothing changed: the execution still waits, under its v1 history.
    expect((await api(served.url, 'GET', '/executions/old-1')).body).toMatchObject({ status: 'waiting' })
  })
})
