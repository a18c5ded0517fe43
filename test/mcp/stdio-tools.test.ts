import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { ResourceUpdatedNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js'
import { call, connectStdio, dbIn, suiteDir, EXAMPLE_WORKFLOWS, MCP_FIXTURES } from './helpers.ts'

let client: Client
let tools: Map<string, Tool>
let n = 0
const fresh = () => `t-${++n}-${Date.now()}`

beforeAll(async () => {
  const db = dbIn(suiteDir())
  ;({ client } = await connectStdio(db, [EXAMPLE_WORKFLOWS, MCP_FIXTURES]))
  tools = new Map((await client.listTools()).tools.map((t) => [t.name, t]))
})
afterAll(async () => {
  await client?.close()
})

async function waiting(data: unknown = { rows: 5 }): Promise<string> {
  const id = fresh()
  await call(client, 'schedule', { workflow: 'approval-flow', id, data })
  const done = await call(client, 'wait', { execution_id: id, timeout_seconds: 0 })
  for (
    let i = 0;
    i < 100 && (await call(client, 'status', { execution_id: id })).structuredContent.status !== 'waiting';
    i++
  ) {
    await new Promise((resolve) => setTimeout(resolve, 30))
  }
  expect(done.isError).toBeFalsy()
  return id
}

describe('the tool list', () => {
  it('has exactly the twenty-one tools, each with title, description, schemas and annotations', () => {
    expect([...tools.keys()].sort()).toEqual([
      'add_schedule',
      'cancel_execution',
      'deliver_event',
      'list_executions',
      'list_queues',
      'list_schedules',
      'list_workers',
      'list_workflows',
      'pause_execution',
      'pause_schedule',
      'remove_schedule',
      'replay_check',
      'rerun_execution',
      'resume_execution',
      'resume_schedule',
      'retry_execution',
      'run_workflow',
      'schedule',
      'set_queue',
      'status',
      'wait',
    ])
    for (const tool of tools.values()) {
      expect(tool.title, tool.name).toBeTruthy()
      expect(tool.description!.length, tool.name).toBeGreaterThan(80)
      expect(tool.inputSchema.type).toBe('object')
      // run_workflow's result is the workflow's own output: no one output schema fits it.
      if (tool.name !== 'run_workflow') expect(tool.outputSchema?.type, tool.name).toBe('object')
      expect(tool.annotations, tool.name).toBeDefined()
    }
  })

  it('takes exactly the arguments of the contract', () => {
    const args = (name: string) => ({
      properties: Object.keys(tools.get(name)!.inputSchema.properties ?? {}).sort(),
      required: (tools.get(name)!.inputSchema.required ?? []).slice().sort(),
    })
    expect(args('schedule')).toEqual({
      properties: [
        'concurrency_key',
        'data',
        'dedupe_key',
        'dedupe_window',
        'delay',
        'id',
        'idempotency_key',
        'priority',
        'queue',
        'run_at',
        'workflow',
      ],
      required: ['workflow'],
    })
    expect(args('set_queue')).toEqual({
      properties: ['concurrency', 'key_concurrency', 'name', 'rate_limit'],
      required: ['name'],
    })
    expect(args('status')).toEqual({ properties: ['execution_id', 'include_steps'], required: ['execution_id'] })
    expect(args('deliver_event')).toEqual({
      properties: ['data', 'event', 'event_id', 'execution_id'],
      required: ['event', 'execution_id'],
    })
    expect(args('wait')).toEqual({ properties: ['execution_id', 'timeout_seconds'], required: ['execution_id'] })
    expect(args('list_executions')).toEqual({ properties: ['cursor', 'limit', 'status', 'workflow'], required: [] })
    expect(args('run_workflow')).toEqual({
      properties: ['data', 'delay', 'id', 'idempotency_key', 'run_at', 'workflow'],
      required: ['workflow'],
    })
    expect(tools.get('run_workflow')!.execution).toEqual({ taskSupport: 'optional' })
    expect(args('cancel_execution')).toEqual({ properties: ['execution_id'], required: ['execution_id'] })
    expect(tools.get('wait')!.inputSchema.properties!.timeout_seconds).toMatchObject({ maximum: 50 })
    expect(tools.get('list_executions')!.inputSchema.properties!.limit).toMatchObject({ minimum: 1, maximum: 100 })
  })

  it('marks reads as read-only and cancel as destructive', () => {
    for (const name of ['status', 'wait', 'list_executions', 'list_workflows'])
      expect(tools.get(name)!.annotations?.readOnlyHint, name).toBe(true)
    expect(tools.get('schedule')!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false })
    expect(tools.get('deliver_event')!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false })
    expect(tools.get('run_workflow')!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false })
    expect(tools.get('cancel_execution')!.annotations).toMatchObject({ destructiveHint: true })
    expect(tools.get('list_queues')!.annotations).toMatchObject({ readOnlyHint: true })
    expect(tools.get('set_queue')!.annotations).toMatchObject({ readOnlyHint: false, idempotentHint: true })
  })

  it('tells the agent the shape of the work at initialize', () => {
    const instructions = client.getInstructions() ?? ''
    for (const word of ['schedule', 'status', 'wait', 'deliver_event', 'outlive']) expect(instructions).toContain(word)
  })

  it('lists workflows with their input and event schemas', async () => {
    const { structuredContent } = await call(client, 'list_workflows')
    const pipeline = structuredContent.workflows.find((w: { name: string }) => w.name === 'data-pipeline')
    expect(pipeline.input_schema).toMatchObject({ type: 'object' })
    expect(pipeline.events.approval).toMatchObject({ type: 'object' })
  })
})

describe('bad arguments', () => {
  const cases: [string, string, Record<string, unknown>, string, RegExp][] = [
    ['unknown workflow', 'schedule', { workflow: 'nope' }, 'UNKNOWN_WORKFLOW', /data-pipeline/],
    [
      'data failing the schema',
      'schedule',
      { workflow: 'approval-flow', data: { rows: 'many' } },
      'INVALID_INPUT',
      /rows/,
    ],
    ['a missing argument', 'schedule', {}, 'INVALID_INPUT', /workflow/],
    ['a wrong type', 'status', { execution_id: 42 }, 'INVALID_INPUT', /execution_id/],
    ['unknown execution', 'status', { execution_id: 'no-such-run' }, 'EXECUTION_NOT_FOUND', /list/],
    [
      'unknown execution (deliver)',
      'deliver_event',
      { execution_id: 'no-such-run', event: 'approval' },
      'EXECUTION_NOT_FOUND',
      /list/,
    ],
    ['unknown execution (wait)', 'wait', { execution_id: 'no-such-run' }, 'EXECUTION_NOT_FOUND', /list/],
    ['unknown execution (cancel)', 'cancel_execution', { execution_id: 'no-such-run' }, 'EXECUTION_NOT_FOUND', /list/],
    ['limit over 100', 'list_executions', { limit: 101 }, 'INVALID_INPUT', /limit/],
    ['limit under 1', 'list_executions', { limit: 0 }, 'INVALID_INPUT', /limit/],
    ['an unknown status', 'list_executions', { status: 'sleeping' }, 'INVALID_INPUT', /status/],
    ['a bad cursor', 'list_executions', { cursor: '!!' }, 'INVALID_INPUT', /cursor/],
    ['timeout over 50 s', 'wait', { execution_id: 'x', timeout_seconds: 51 }, 'INVALID_INPUT', /timeout_seconds/],
    ['a negative timeout', 'wait', { execution_id: 'x', timeout_seconds: -1 }, 'INVALID_INPUT', /timeout_seconds/],
  ]
  it.each(cases)(
    '%s: isError with a code, and the server answers the next call',
    async (_what, tool, args, code, hint) => {
      const result = await call(client, tool, args)
      expect(result.isError).toBe(true)
      expect(result.structuredContent.error).toMatchObject({ code })
      expect(result.structuredContent.error.message).toMatch(hint)
      expect(result.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining(code) })
      expect((await call(client, 'list_workflows')).isError).toBeFalsy()
    },
  )

  it('an event to a terminal execution: EXECUTION_TERMINAL, and cancel of it too', async () => {
    const id = fresh()
    await call(client, 'schedule', { workflow: 'quick', id })
    expect((await call(client, 'wait', { execution_id: id, timeout_seconds: 10 })).structuredContent.status).toBe(
      'completed',
    )
    const late = await call(client, 'deliver_event', { execution_id: id, event: 'approval', data: {} })
    expect(late.structuredContent.error.code).toBe('EXECUTION_TERMINAL')
    expect((await call(client, 'cancel_execution', { execution_id: id })).structuredContent.error.code).toBe(
      'EXECUTION_TERMINAL',
    )
  })

  it('event data failing the event schema: INVALID_INPUT naming the field', async () => {
    const id = await waiting()
    const bad = await call(client, 'deliver_event', { execution_id: id, event: 'approval', data: { approved: 'yes' } })
    expect(bad.structuredContent.error).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('approved'),
    })
  })

  it('scheduling an existing id with other data: ID_CONFLICT; with the same data: created false', async () => {
    const id = fresh()
    expect(
      (await call(client, 'schedule', { workflow: 'approval-flow', id, data: { rows: 1 } })).structuredContent.created,
    ).toBe(true)
    expect(
      (await call(client, 'schedule', { workflow: 'approval-flow', id, data: { rows: 1 } })).structuredContent.created,
    ).toBe(false)
    expect(
      (await call(client, 'schedule', { workflow: 'approval-flow', id, data: { rows: 2 } })).structuredContent.error
        .code,
    ).toBe('ID_CONFLICT')
  })
})

describe('wait', () => {
  it('returns timed_out: true within its bound while the execution waits', async () => {
    const id = await waiting()
    const started = Date.now()
    const result = await call(client, 'wait', { execution_id: id, timeout_seconds: 1 })
    const took = Date.now() - started
    expect(result.isError).toBeFalsy()
    expect(result.structuredContent).toMatchObject({
      status: 'waiting',
      timed_out: true,
      waiting_for: [{ event: 'approval' }],
    })
    expect(took).toBeGreaterThanOrEqual(950)
    expect(took).toBeLessThan(2_500)
  })

  it('returns as soon as the execution completes', async () => {
    const id = await waiting()
    const started = Date.now()
    const pending = call(client, 'wait', { execution_id: id, timeout_seconds: 30 })
    await new Promise((resolve) => setTimeout(resolve, 300))
    await call(client, 'deliver_event', { execution_id: id, event: 'approval', data: { approved: true } })
    const result = await pending
    expect(result.structuredContent).toMatchObject({
      status: 'completed',
      timed_out: false,
      output: { rows_written: 5 },
    })
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('sends progress notifications when given a progress token', async () => {
    const id = await waiting()
    const progress: { progress: number; total?: number; message?: string }[] = []
    const result = await client.callTool(
      { name: 'wait', arguments: { execution_id: id, timeout_seconds: 3.5 } },
      undefined,
      {
        onprogress: (p) => progress.push(p),
      },
    )
    expect(result.isError).toBeFalsy()
    expect(progress.length).toBeGreaterThanOrEqual(2)
    expect(progress[0]).toMatchObject({ progress: 0, total: 3.5, message: expect.stringContaining('approval') })
    expect(progress[1]!.progress).toBeGreaterThan(progress[0]!.progress)
  })

  it('stops when the client cancels, and the server answers the next call', async () => {
    const id = await waiting()
    const controller = new AbortController()
    const started = Date.now()
    const pending = client.callTool({ name: 'wait', arguments: { execution_id: id, timeout_seconds: 30 } }, undefined, {
      signal: controller.signal,
    })
    setTimeout(() => controller.abort(), 300)
    await expect(pending).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(2_000)
    expect((await call(client, 'status', { execution_id: id })).structuredContent.status).toBe('waiting')
  })
})

describe('execution resources', () => {
  it('lists a page of executions, reads one, and notifies a subscriber when its status changes', async () => {
    const id = await waiting()
    const templates = await client.listResourceTemplates()
    expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toEqual([
      'zart://executions/{id}',
      'zart://executions/{id}/output',
    ])
    const listed = await client.listResources()
    expect(listed.resources.map((r) => r.uri)).toContain(`zart://executions/${id}`)

    const read = await client.readResource({ uri: `zart://executions/${id}` })
    const content = read.contents[0] as { text: string; mimeType: string }
    expect(content.mimeType).toBe('application/json')
    expect(JSON.parse(content.text)).toMatchObject({ id, status: 'waiting', steps: expect.any(Array) })

    const updated = new Promise<string>((resolve) =>
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => resolve(n.params.uri)),
    )
    await client.subscribeResource({ uri: `zart://executions/${id}` })
    await call(client, 'deliver_event', { execution_id: id, event: 'approval', data: { approved: false } })
    expect(await updated).toBe(`zart://executions/${id}`)
    await client.unsubscribeResource({ uri: `zart://executions/${id}` })
    await expect(client.readResource({ uri: 'zart://executions/no-such-run' })).rejects.toThrow(/no execution/)
  })
})
