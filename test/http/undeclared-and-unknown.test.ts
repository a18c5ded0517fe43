import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runZart } from '../fixtures/zart-process.ts'
import { call, connectHttp, suiteDir, zartArgs } from '../mcp/helpers.ts'
import { api, dump, eventually, serve, WORKFLOWS, type ApiOptions, type Served } from './helpers.ts'

/*
 * Undeclared event names and unknown keys in workflow data are errors, never silently
 * dropped: the client API, REST, MCP and the CLI all refuse them with the same code and
 * the same message, and nothing is stored.
 */

let path: string
let db: string
let served: Served
let mcp: Client
let before: Record<string, unknown[]>

beforeAll(async () => {
  path = join(suiteDir(), 'zart.db')
  db = `sqlite:${path}`
  served = await serve(db)
  await api(served.url, 'POST', '/executions', { json: { workflow: 'approval-flow', data: { rows: 2 }, id: 'w-1' } })
  await eventually(async () =>
    (await api(served.url, 'GET', '/executions/w-1')).body.status === 'waiting' ? true : undefined,
  )
  mcp = await connectHttp(served.url, 'streamable')
  before = dump(path)
})
afterAll(async () => {
  await mcp?.close()
  expect(await served?.stop()).toBe(0)
})

const CASES: {
  what: string
  rest: [string, string, ApiOptions]
  mcp: [string, Record<string, unknown>]
  cli: string[]
  detail: RegExp
  extensions: Record<string, unknown>
}[] = [
  {
    what: 'an event the workflow does not declare',
    rest: ['POST', '/events/w-1/shipped', { json: {} }],
    mcp: ['deliver_event', { execution_id: 'w-1', event: 'shipped', data: {} }],
    cli: ['event', 'w-1', 'shipped', '--data', '{}'],
    detail: /workflow "approval-flow" does not declare an event named "shipped" \(it declares "approval", "note"\)/,
    extensions: { event: 'shipped', declared: ['approval', 'note'], workflow: 'approval-flow' },
  },
  {
    what: 'an unknown key in workflow input',
    rest: ['POST', '/executions', { json: { workflow: 'approval-flow', data: { rows: 1, row: 1 } } }],
    mcp: ['schedule', { workflow: 'approval-flow', data: { rows: 1, row: 1 } }],
    cli: ['schedule', 'approval-flow', '--data', '{"rows":1,"row":1}'],
    detail: /invalid data for workflow "approval-flow": unknown key "row"/,
    extensions: { unknown_keys: ['row'] },
  },
  {
    what: 'an unknown key in event data',
    rest: ['POST', '/events/w-1/approval', { json: { approved: true, approver: 'ann' } }],
    mcp: ['deliver_event', { execution_id: 'w-1', event: 'approval', data: { approved: true, approver: 'ann' } }],
    cli: ['event', 'w-1', 'approval', '--data', '{"approved":true,"approver":"ann"}'],
    detail: /invalid data for event "approval": unknown key "approver"/,
    extensions: { unknown_keys: ['approver'] },
  },
]

describe('undeclared events and unknown keys, through every door', () => {
  it('get INVALID_INPUT with the same message from REST, MCP and the CLI, and store nothing', async () => {
    const cliRuns = await Promise.all(CASES.map(({ cli }) => runZart([...zartArgs(db, WORKFLOWS), ...cli])))
    for (const [i, door] of CASES.entries()) {
      const rest = await api(served.url, ...door.rest)
      expect({ what: door.what, status: rest.status, code: rest.body.code }).toEqual({
        what: door.what,
        status: 400,
        code: 'INVALID_INPUT',
      })
      expect(rest.headers.get('content-type'), door.what).toMatch(/^application\/problem\+json/)
      expect(rest.body.detail, door.what).toMatch(door.detail)
      expect(rest.body, door.what).toMatchObject(door.extensions)

      const tool = await call(mcp, ...door.mcp)
      expect(tool.isError, door.what).toBe(true)
      expect(tool.structuredContent.error, door.what).toMatchObject({
        code: 'INVALID_INPUT',
        message: rest.body.detail,
        details: door.extensions,
      })

      const cli = cliRuns[i]!
      expect({ what: door.what, code: cli.code, stdout: cli.stdout, stderr: cli.stderr }).toEqual({
        what: door.what,
        code: 2,
        stdout: '',
        stderr: `error: ${rest.body.detail}\n`,
      })
    }
    expect(dump(path)).toEqual(before)
  })
})
