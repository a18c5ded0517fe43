import { afterEach, describe, expect, it } from 'vitest'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import {
  CallToolResultSchema,
  CreateTaskResultSchema,
  ElicitRequestSchema,
  type GetTaskResult,
} from '@modelcontextprotocol/sdk/types.js'
import { call, connectStdio, dbIn, MCP_FIXTURES, startServe, suiteDir, type LooseJson, type Served } from './helpers.ts'

const TOKEN = 'task-token'
const running: Served[] = []
const clients: Client[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)))
  await Promise.all(running.splice(0).map((s) => s.stop()))
})

async function serve(db: string): Promise<Served> {
  const served = await startServe(db, [MCP_FIXTURES], ['--token', TOKEN])
  running.push(served)
  return served
}

/** An SDK client over Streamable HTTP with the bearer token; it can show forms when `answer` is given. */
async function connect(url: string, answer?: Record<string, unknown>): Promise<Client> {
  const client = new Client(
    { name: 'zart-task-test', version: '1.0.0' },
    { capabilities: answer ? { elicitation: { form: {} } } : {} },
  )
  if (answer) {
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      expect(request.params.message).toContain('"approval"')
      return { action: 'accept', content: answer }
    })
  }
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } },
  })
  await client.connect(transport)
  clients.push(client)
  return client
}

async function runAsTask(client: Client, args: Record<string, unknown>) {
  const created = await client.request(
    { method: 'tools/call', params: { name: 'run_workflow', arguments: args, task: { ttl: 60_000 } } },
    CreateTaskResultSchema,
  )
  return created
}

/** Polls tasks/get until the task reaches `status`, as a client following pollInterval would (faster). */
async function until(client: Client, taskId: string, status: GetTaskResult['status']): Promise<GetTaskResult> {
  for (let i = 0; i < 200; i++) {
    const task = await client.experimental.tasks.getTask(taskId)
    if (task.status === status) return task
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`task ${taskId} never became ${status}`)
}

describe('run_workflow as an MCP task', () => {
  it('runs end to end (working, input_required, answered in tasks/result, completed), and a new server process reads it back', async () => {
    const db = dbIn(suiteDir())
    const first = await serve(db)
    const client = await connect(first.url, { approved: true, by: 'ana' })
    const { task, _meta } = await runAsTask(client, { workflow: 'approval-flow', data: { rows: 3 } })
    expect(['working', 'input_required']).toContain(task.status)
    expect(task.taskId).toMatch(/^[\w-]{32}$/)
    const executionId = _meta?.['zart/execution_id'] as string
    expect(task.taskId).not.toContain(executionId)
    expect(task.ttl).toBeNull() // no retention runs: the task lasts as long as its execution
    expect(task.pollInterval).toBeGreaterThanOrEqual(1_000)

    const input = await until(client, task.taskId, 'input_required')
    expect(input.statusMessage).toContain('"approval"')
    expect(input.statusMessage).toContain('deliver_event')
    expect(input.pollInterval).toBe(5_000)

    // tasks/result asks the person for the approval (elicitation) and delivers the answer as the event.
    const result = await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)
    expect(result.isError).toBeFalsy()
    expect(result.structuredContent).toEqual({ approved: true, rows_written: 3 })
    expect((await client.experimental.tasks.getTask(task.taskId)).status).toBe('completed')
    expect((await call(client, 'status', { execution_id: executionId })).structuredContent).toMatchObject({
      status: 'completed',
    })

    await first.stop()
    const second = await serve(db)
    const later = await connect(second.url)
    const again = await later.experimental.tasks.getTask(task.taskId)
    expect(again).toMatchObject({ taskId: task.taskId, status: 'completed', createdAt: task.createdAt })
    const collected = await later.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)
    expect(collected.structuredContent).toEqual({ approved: true, rows_written: 3 })
    expect((await later.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toEqual([task.taskId])

    // Bound to the token: a stdio session (no token) on the same database does not find it.
    const stdio = await connectStdio(db, [MCP_FIXTURES])
    clients.push(stdio.client)
    await expect(stdio.client.experimental.tasks.getTask(task.taskId)).rejects.toThrow(/not found/i)
    expect((await stdio.client.experimental.tasks.listTasks()).tasks).toEqual([])
  })

  it('cancels the execution through tasks/cancel; the result of a cancelled task is an isError result', async () => {
    const db = dbIn(suiteDir())
    const { client } = await connectStdio(db, [MCP_FIXTURES])
    clients.push(client)
    const { task, _meta } = await runAsTask(client, { workflow: 'approval-flow', data: { rows: 2 } })
    await until(client, task.taskId, 'input_required')
    const cancelled = await client.experimental.tasks.cancelTask(task.taskId)
    expect(cancelled.status).toBe('cancelled')
    const executionId = _meta?.['zart/execution_id'] as string
    expect((await call(client, 'status', { execution_id: executionId })).structuredContent.status).toBe('cancelled')
    const result = await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)
    expect(result.isError).toBe(true)
    expect(result.structuredContent).toMatchObject({ status: 'cancelled', execution_id: executionId })
    await expect(client.experimental.tasks.cancelTask(task.taskId)).rejects.toThrow(/terminal/)
  })
})

describe('run_workflow without a task', () => {
  it('schedules and waits (bounded), returning the finished status', async () => {
    const { client } = await connectStdio(dbIn(suiteDir()), [MCP_FIXTURES])
    clients.push(client)
    const done = await call(client, 'run_workflow', { workflow: 'quick' })
    expect(done.isError).toBeFalsy()
    expect(done.structuredContent as LooseJson).toMatchObject({ status: 'completed', output: 'done', timed_out: false })
    const bad = await call(client, 'run_workflow', { workflow: 'nope' })
    expect(bad.isError).toBe(true)
    expect(bad.content).toEqual([
      { type: 'text', text: expect.stringMatching(/^UNKNOWN_WORKFLOW: unknown workflow "nope"/) },
    ])
  })
})
