import { afterEach, describe, expect, it, vi } from 'vitest'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import {
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  type ElicitResult,
} from '@modelcontextprotocol/sdk/types.js'
import { createZart, type Zart } from '../../src/index.ts'
import { jsonLogger } from '../../src/engine/logger.ts'
import type { WorkflowLike } from '../../src/engine/workflow.ts'
import { createMcpServer } from '../../src/mcp/create-server.ts'
import { approvalFlow } from './fixtures/workflows.ts'
import { call } from './helpers.ts'

/*
 * What can only be seen from inside the server process: that a cancelled wait really
 * stops, the elicitation path, driven by a client that can answer forms, and which
 * sessions of one process hear an execution's log lines.
 */

let zart: Zart | undefined
afterEach(async () => {
  await zart?.close()
  zart = undefined
})

async function connect(answer?: (message: string) => ElicitResult): Promise<Client> {
  zart = await createZart({ db: 'sqlite::memory:', workflows: [approvalFlow as unknown as WorkflowLike] })
  zart.startWorker({ pollMs: 10 })
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair()
  await createMcpServer(zart).connect(serverSide)
  const client = new Client(
    { name: 'zart-test', version: '1.0.0' },
    answer ? { capabilities: { elicitation: {} } } : {},
  )
  if (answer) client.setRequestHandler(ElicitRequestSchema, (request) => answer(request.params.message))
  await client.connect(clientSide)
  return client
}

async function waitingExecution(client: Client): Promise<string> {
  await call(client, 'schedule', { workflow: 'approval-flow', id: 'run-1', data: { rows: 7 } })
  for (let i = 0; i < 100; i++) {
    if ((await zart!.status('run-1')).status === 'waiting') return 'run-1'
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('never waiting')
}

describe('wait, inside the server', () => {
  it('ends the client wait as soon as the MCP request is cancelled', async () => {
    const client = await connect()
    const id = await waitingExecution(client)
    const spy = vi.spyOn(zart!, 'wait')
    const controller = new AbortController()
    const pending = client.callTool({ name: 'wait', arguments: { execution_id: id, timeout_seconds: 30 } }, undefined, {
      signal: controller.signal,
    })
    await vi.waitFor(() => expect(spy).toHaveBeenCalled())
    const started = Date.now()
    controller.abort()
    await expect(pending).rejects.toThrow()
    const returned = await spy.mock.results[0]!.value
    expect(returned).toMatchObject({ status: 'waiting', timed_out: true })
    expect(Date.now() - started).toBeLessThan(500)
  })

  it('asks the person through elicitation when the client can, and delivers the answer', async () => {
    const asked: string[] = []
    const client = await connect(
      (message) => (asked.push(message), { action: 'accept', content: { approved: true, by: 'ann' } }),
    )
    const id = await waitingExecution(client)
    const result = await call(client, 'wait', { execution_id: id, timeout_seconds: 10 })
    expect(asked).toHaveLength(1)
    expect(asked[0]).toContain('approval')
    expect(result.structuredContent).toMatchObject({
      status: 'completed',
      timed_out: false,
      output: { rows_written: 7 },
    })
  })

  it('leaves the execution waiting when the person declines, and returns at once', async () => {
    const client = await connect(() => ({ action: 'decline' }))
    const id = await waitingExecution(client)
    const started = Date.now()
    const result = await call(client, 'wait', { execution_id: id, timeout_seconds: 10 })
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(result.structuredContent).toMatchObject({ status: 'waiting', timed_out: true })
    expect(result.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ')).toMatch(/did not answer/)
  })
})

describe('log lines, inside the server', () => {
  it('go to a session that read the execution as a resource, not to one that only listed it', async () => {
    const logger = jsonLogger('error', () => {})
    zart = await createZart({ db: 'sqlite::memory:', workflows: [approvalFlow as unknown as WorkflowLike], logger })
    zart.startWorker({ pollMs: 10 })
    const session = async () => {
      const [serverSide, clientSide] = InMemoryTransport.createLinkedPair()
      await createMcpServer(zart!, { logger }).connect(serverSide)
      const client = new Client({ name: 'zart-test', version: '1.0.0' })
      const heard: string[] = []
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        const { message, execution } = n.params.data as { message: string; execution: string }
        heard.push(`${execution} ${message}`)
      })
      await client.connect(clientSide)
      await client.setLoggingLevel('info')
      return { client, heard }
    }
    const starter = await session()
    const reader = await session()
    const lister = await session()
    const id = await waitingExecution(starter.client)
    await reader.client.readResource({ uri: `zart://executions/${id}` })
    await lister.client.listResources()
    await call(lister.client, 'list_executions', {})

    await call(starter.client, 'deliver_event', { execution_id: id, event: 'approval', data: { approved: true } })
    await vi.waitFor(() => expect(reader.heard).toEqual([`${id} execution finished`]))
    expect(starter.heard).toEqual([`${id} execution finished`])
    await lister.client.ping() // one in-memory stream: a line sent before would be here
    expect(lister.heard).toEqual([])
  })
})
