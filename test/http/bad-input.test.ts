import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runZart } from '../fixtures/zart-process.ts'
import { call, connectHttp, suiteDir, zartArgs } from '../mcp/helpers.ts'
import { api, dump, eventually, serve, WORKFLOWS, type ApiOptions, type Served } from './helpers.ts'

/*
 * The same mistakes made through the three doors (REST, MCP over HTTP, CLI) against one
 * database: each gets a clear error with the same code, the server stays up, and not one
 * row changes.
 */

const LONG = 'x'.repeat(4_000)
const NASTY_IDS = [
  `a"b`,
  `a'b`,
  'a;DROP TABLE zart_executions;--',
  'ünï-cødé',
  'tab\there',
  'nul\u0000byte',
  'bell\u0007',
  LONG,
  '',
]
const BIG = { blob: 'y'.repeat(1_200_000) } // over the 1 MiB payload limit, under the 2 MiB body limit

let dir: string
let db: string
let path: string
let served: Served
let url: string
let mcp: Client
let before: Record<string, unknown[]>

beforeAll(async () => {
  dir = suiteDir()
  path = join(dir, 'zart.db')
  db = `sqlite:${path}`
  served = await serve(db)
  url = served.url
  await api(url, 'POST', '/executions', { json: { workflow: 'echo', data: 1, id: 'done-1' } })
  await api(url, 'POST', '/executions', { json: { workflow: 'approval-flow', data: { rows: 2 }, id: 'waiting-1' } })
  await api(url, 'GET', '/executions/done-1/wait?timeout=10')
  await eventually(async () =>
    (await api(url, 'GET', '/executions/waiting-1')).body.status === 'waiting' ? true : undefined,
  )
  mcp = await connectHttp(url, 'streamable')
  before = dump(path)
})
afterAll(async () => {
  await mcp?.close()
  expect(await served?.stop()).toBe(0)
})

type RestCase = [what: string, method: string, path: string, options: ApiOptions, status: number, code: string]
const enc = encodeURIComponent

const REST: RestCase[] = [
  [
    'malformed JSON',
    'POST',
    '/executions',
    { raw: '{"workflow": "echo",', headers: { 'content-type': 'application/json' } },
    400,
    'INVALID_INPUT',
  ],
  ['a JSON body that is not an object', 'POST', '/executions', { json: ['echo'] }, 400, 'INVALID_INPUT'],
  [
    'a body that is not JSON',
    'POST',
    '/executions',
    { raw: 'workflow=echo', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  ['no body', 'POST', '/executions', {}, 400, 'INVALID_INPUT'],
  ['a missing workflow', 'POST', '/executions', { json: { data: {} } }, 400, 'INVALID_INPUT'],
  [
    'workflow and task both',
    'POST',
    '/executions',
    { json: { workflow: 'echo', task: 'quick' } },
    400,
    'INVALID_INPUT',
  ],
  ['a misspelt field', 'POST', '/executions', { json: { workflow: 'echo', dat: {} } }, 400, 'INVALID_INPUT'],
  ['a workflow name of the wrong type', 'POST', '/executions', { json: { workflow: 42 } }, 400, 'INVALID_INPUT'],
  ['an unknown workflow', 'POST', '/executions', { json: { workflow: 'nope' } }, 422, 'UNKNOWN_WORKFLOW'],
  [
    'data failing the input schema',
    'POST',
    '/executions',
    { json: { workflow: 'approval-flow', data: { rows: 'many' } } },
    400,
    'INVALID_INPUT',
  ],
  [
    'an id used with other input',
    'POST',
    '/executions',
    { json: { workflow: 'echo', data: 2, id: 'done-1' } },
    409,
    'ID_CONFLICT',
  ],
  [
    'a 4,000-character idempotency key',
    'POST',
    '/executions',
    { json: { workflow: 'echo', idempotency_key: LONG } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a control character in the idempotency key',
    'POST',
    '/executions',
    { json: { workflow: 'echo', idempotency_key: 'a\u0001' } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a run_at that is no time',
    'POST',
    '/executions',
    { json: { workflow: 'echo', run_at: 'tomorrow' } },
    400,
    'INVALID_INPUT',
  ],
  ['a negative run_at', 'POST', '/executions', { json: { workflow: 'echo', run_at: -5 } }, 400, 'INVALID_INPUT'],
  [
    'data nested 100,000 levels deep',
    'POST',
    '/executions',
    {
      raw: `{"workflow":"echo","data":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      headers: { 'content-type': 'application/json' },
    },
    400,
    'INVALID_INPUT',
  ],
  [
    'oversized schedule data',
    'POST',
    '/executions',
    { json: { workflow: 'echo', data: BIG } },
    413,
    'PAYLOAD_TOO_LARGE',
  ],
  [
    'an oversized body',
    'POST',
    '/executions',
    { json: { workflow: 'echo', data: 'z'.repeat(2_200_000) } },
    413,
    'PAYLOAD_TOO_LARGE',
  ],
  ['an unknown execution', 'GET', '/executions/nope', {}, 404, 'EXECUTION_NOT_FOUND'],
  ['a bad steps flag', 'GET', '/executions/done-1?steps=yes', {}, 400, 'INVALID_INPUT'],
  [
    'an event to an unknown execution',
    'POST',
    '/events/nope/approval',
    { json: { approved: true } },
    404,
    'EXECUTION_NOT_FOUND',
  ],
  ['an event to a terminal execution', 'POST', '/events/done-1/approval', { json: {} }, 409, 'EXECUTION_TERMINAL'],
  [
    'event data failing its schema',
    'POST',
    '/events/waiting-1/approval',
    { json: { approved: 'yes' } },
    400,
    'INVALID_INPUT',
  ],
  ['an event name with a space', 'POST', `/events/waiting-1/${enc('two words')}`, { json: {} }, 400, 'INVALID_INPUT'],
  ['a 4,000-character event name', 'POST', `/events/waiting-1/${LONG}`, { json: {} }, 400, 'INVALID_INPUT'],
  ['oversized event data', 'POST', '/events/waiting-1/note', { json: BIG }, 413, 'PAYLOAD_TOO_LARGE'],
  [
    'malformed event JSON',
    'POST',
    '/events/waiting-1/approval',
    { raw: '{approved: true}', headers: { 'content-type': 'application/json' } },
    400,
    'INVALID_INPUT',
  ],
  [
    'two different event ids',
    'POST',
    '/events/waiting-1/other?event_id=a',
    { json: {}, headers: { 'idempotency-key': 'b' } },
    400,
    'INVALID_INPUT',
  ],
  ['cancelling a terminal execution', 'POST', '/executions/done-1/cancel', {}, 409, 'EXECUTION_TERMINAL'],
  ['a negative wait timeout', 'GET', '/executions/waiting-1/wait?timeout=-1', {}, 400, 'INVALID_INPUT'],
  ['an absurd wait timeout', 'GET', '/executions/waiting-1/wait?timeout=1e12', {}, 400, 'INVALID_INPUT'],
  ['a wait timeout that is no number', 'GET', '/executions/waiting-1/wait?timeout=soon', {}, 400, 'INVALID_INPUT'],
  ['a limit out of range', 'GET', '/executions?limit=1000', {}, 400, 'INVALID_INPUT'],
  ['an unknown status filter', 'GET', '/executions?status=done', {}, 400, 'INVALID_INPUT'],
  ['a bad cursor', 'GET', '/executions?cursor=xyz', {}, 400, 'INVALID_INPUT'],
  ['a repeated query parameter', 'GET', '/executions?status=waiting&status=completed', {}, 400, 'INVALID_INPUT'],
  ['an unknown query parameter', 'GET', '/executions?sort=asc', {}, 400, 'INVALID_INPUT'],
  ['broken percent-encoding', 'GET', '/executions/%E0%A4%A', {}, 400, 'INVALID_INPUT'],
  ...NASTY_IDS.filter((id) => id !== '').flatMap((id): RestCase[] => [
    [`the id ${JSON.stringify(id.slice(0, 20))} (status)`, 'GET', `/executions/${enc(id)}`, {}, 400, 'INVALID_INPUT'],
    [
      `the id ${JSON.stringify(id.slice(0, 20))} (schedule)`,
      'POST',
      '/executions',
      { json: { workflow: 'echo', id } },
      400,
      'INVALID_INPUT',
    ],
    [
      `the id ${JSON.stringify(id.slice(0, 20))} (event)`,
      'POST',
      `/events/${enc(id)}/approval`,
      { json: {} },
      400,
      'INVALID_INPUT',
    ],
  ]),
]

describe('bad input through the REST API', () => {
  it('answers each mistake with a problem document, stays up and changes nothing', async () => {
    for (const [what, method, route, options, status, code] of REST) {
      const res = await api(url, method, route, options)
      expect({ what, status: res.status, code: res.body?.code }).toEqual({ what, status, code })
      expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/)
      expect(res.body.detail, what).toMatch(/\w{3,}/)
      expect(res.text, what).not.toMatch(/\n\s+at |node_modules/)
      if (code === 'INVALID_INPUT' && res.body.errors) {
        for (const issue of res.body.errors)
          expect(issue, what).toEqual({ path: expect.any(String), message: expect.any(String) })
      }
    }
    expect((await api(url, 'GET', '/workflows')).status).toBe(200)
    expect(dump(path)).toEqual(before)
  })

  it('names the bad field in errors[]', async () => {
    const res = await api(url, 'POST', '/executions', { json: { workflow: 'echo', id: 'bad id', idempotency_key: 7 } })
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.id', 'body.idempotency_key'])
  })
})

/** The same mistakes through MCP and the CLI: the same code (and for client errors the same message) as REST. */
const DOORS: {
  what: string
  rest: [string, string, ApiOptions?]
  mcp: [string, Record<string, unknown>]
  cli: string[]
}[] = [
  {
    what: 'unknown workflow',
    rest: ['POST', '/executions', { json: { workflow: 'nope' } }],
    mcp: ['schedule', { workflow: 'nope' }],
    cli: ['schedule', 'nope'],
  },
  {
    what: 'unknown execution',
    rest: ['GET', '/executions/nope'],
    mcp: ['status', { execution_id: 'nope' }],
    cli: ['status', 'nope'],
  },
  {
    what: 'event to unknown execution',
    rest: ['POST', '/events/nope/approval', { json: {} }],
    mcp: ['deliver_event', { execution_id: 'nope', event: 'approval', data: {} }],
    cli: ['event', 'nope', 'approval', '--data', '{}'],
  },
  {
    what: 'event to terminal execution',
    rest: ['POST', '/events/done-1/approval', { json: {} }],
    mcp: ['deliver_event', { execution_id: 'done-1', event: 'approval', data: {} }],
    cli: ['event', 'done-1', 'approval', '--data', '{}'],
  },
  {
    what: 'id conflict',
    // Object data: MCP types `data` as a JSON object, so generic clients send one.
    rest: ['POST', '/executions', { json: { workflow: 'echo', data: { n: 2 }, id: 'done-1' } }],
    mcp: ['schedule', { workflow: 'echo', data: { n: 2 }, id: 'done-1' }],
    cli: ['schedule', 'echo', '--data', '{"n":2}', '--id', 'done-1'],
  },
  {
    what: 'cancel terminal',
    rest: ['POST', '/executions/done-1/cancel'],
    mcp: ['cancel_execution', { execution_id: 'done-1' }],
    cli: ['cancel', 'done-1'],
  },
  {
    what: 'event data failing its schema',
    rest: ['POST', '/events/waiting-1/approval', { json: { approved: 'yes' } }],
    mcp: ['deliver_event', { execution_id: 'waiting-1', event: 'approval', data: { approved: 'yes' } }],
    cli: ['event', 'waiting-1', 'approval', '--data', '{"approved":"yes"}'],
  },
  {
    what: 'oversized data',
    rest: ['POST', '/executions', { json: { workflow: 'echo', data: BIG } }],
    mcp: ['schedule', { workflow: 'echo', data: BIG }],
    cli: ['schedule', 'echo', '--data', '@BIG'],
  },
  ...[`a"b`, 'a;DROP TABLE zart_executions;--', `ünï-cødé\u0007`, LONG].map((id) => ({
    what: `the id ${JSON.stringify(id.slice(0, 20))}`,
    rest: ['GET', `/executions/${enc(id)}`] as [string, string],
    mcp: ['status', { execution_id: id }] as [string, Record<string, unknown>],
    cli: ['status', id],
  })),
  {
    what: 'negative wait timeout',
    rest: ['GET', '/executions/waiting-1/wait?timeout=-5'],
    mcp: ['wait', { execution_id: 'waiting-1', timeout_seconds: -5 }],
    cli: ['wait', 'waiting-1', '--timeout=-5'],
  },
  {
    what: 'absurd wait timeout',
    rest: ['GET', '/executions/waiting-1/wait?timeout=1e12'],
    mcp: ['wait', { execution_id: 'waiting-1', timeout_seconds: 1e12 }],
    cli: ['wait', 'waiting-1', '--timeout=forever'],
  },
]

describe('the same bad input through REST, MCP and the CLI', () => {
  it('gets the same error code everywhere, and no row changes', async () => {
    const bigFile = join(dir, 'big.json')
    writeFileSync(bigFile, JSON.stringify(BIG))
    const cliRuns = await Promise.all(
      DOORS.map(({ cli }) =>
        runZart([...zartArgs(db, WORKFLOWS), ...cli.map((a) => (a === '@BIG' ? `@${bigFile}` : a))]),
      ),
    )
    for (const [i, door] of DOORS.entries()) {
      const [method, route, options] = door.rest
      const rest = await api(url, method, route, options)
      const tool = await call(mcp, ...door.mcp)
      const cli = cliRuns[i]!
      expect(rest.status, door.what).toBeGreaterThanOrEqual(400)
      expect(tool.isError, door.what).toBe(true)
      expect(tool.structuredContent.error.code, door.what).toBe(rest.body.code)
      expect({ what: door.what, code: cli.code, stdout: cli.stdout }).toEqual({ what: door.what, code: 2, stdout: '' })
      expect(cli.stderr, door.what).toMatch(/^error: [^\n]+\n$/)
      if (rest.body.code !== 'INVALID_INPUT') {
        // A client error reads the same through every door.
        expect(tool.structuredContent.error.message, door.what).toBe(rest.body.detail)
        expect(cli.stderr, door.what).toBe(`error: ${rest.body.detail}\n`)
      }
    }
    expect((await call(mcp, 'list_workflows')).isError).toBeFalsy()
    expect(dump(path)).toEqual(before)
  })
})
