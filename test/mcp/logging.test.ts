import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { LoggingMessageNotificationSchema, type LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js'
import { tempDir } from '../helpers.ts'
import {
  call,
  connectHttp,
  connectStdio,
  dbIn,
  EXAMPLE_WORKFLOWS,
  startServe,
  suiteDir,
  type Served,
} from './helpers.ts'

type Message = LoggingMessageNotification['params']

const open: Client[] = []
afterEach(async () => {
  for (const client of open.splice(0)) await client.close()
})

/** Collects the `notifications/message` a client receives. */
function messagesOf(client: Client): Message[] {
  const received: Message[] = []
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void received.push(n.params))
  return received
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (await ok()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** onboarding fails its first setup-billing attempt on purpose, retries it 500 ms later, then waits for an event. */
async function runOnboarding(client: Client): Promise<string> {
  const scheduled = await call(client, 'schedule', { workflow: 'onboarding', data: {} })
  expect(scheduled.isError).toBeFalsy()
  const id = scheduled.structuredContent.execution_id as string
  await until('onboarding to wait for its event', async () => {
    const { structuredContent } = await call(client, 'status', { execution_id: id })
    return structuredContent.status === 'waiting'
  })
  return id
}

const about = (id: string, messages: Message[]) =>
  messages.filter((m) => (m.data as { execution?: string }).execution === id)

describe('MCP logging: worker lines as notifications/message', () => {
  it('announces logging and sends the step failure and the retry to a client that set info', async () => {
    const { client } = await connectStdio(dbIn(tempDir()), [EXAMPLE_WORKFLOWS])
    open.push(client)
    expect(client.getServerCapabilities()?.logging).toEqual({})
    const messages = messagesOf(client)
    await client.setLoggingLevel('info')

    const id = await runOnboarding(client)
    await until('the retry lines', () => about(id, messages).length >= 2)
    const lines = about(id, messages)
    expect(lines).toContainEqual({
      level: 'warning',
      logger: 'zart',
      data: {
        message: 'step failed; retrying',
        execution: id,
        step: 'setup-billing',
        attempt: 1,
        error: expect.any(String),
      },
    })
    expect(lines).toContainEqual({
      level: 'info',
      logger: 'zart',
      data: {
        message: 'step retry scheduled',
        execution: id,
        step: 'setup-billing',
        attempt: 2,
        at: expect.any(String),
      },
    })
  })

  it('sends nothing below the level the client set', async () => {
    const { client } = await connectStdio(dbIn(tempDir()), [EXAMPLE_WORKFLOWS])
    open.push(client)
    const messages = messagesOf(client)
    await client.setLoggingLevel('warning')

    const id = await runOnboarding(client)
    await until('the failure line', () => about(id, messages).length >= 1)
    expect(about(id, messages).map((m) => m.level)).toEqual(['warning'])
    expect(messages.every((m) => m.level !== 'info' && m.level !== 'debug')).toBe(true)
  })

  it('sends nothing to a client that never called logging/setLevel', async () => {
    const { client } = await connectStdio(dbIn(tempDir()), [EXAMPLE_WORKFLOWS])
    open.push(client)
    const messages = messagesOf(client)
    await runOnboarding(client) // the retry has happened by the time it waits
    await call(client, 'list_workflows') // one more round trip, so a stray notification would have arrived
    expect(messages).toEqual([])
  })
})

describe('MCP logging over Streamable HTTP: per session', () => {
  let served: Served
  beforeAll(async () => {
    served = await startServe(dbIn(suiteDir()), [EXAMPLE_WORKFLOWS])
  })
  afterAll(async () => {
    await served.stop()
  })

  it('sends a session only the lines about executions it started or named, not those of the session beside it', async () => {
    const a = await connectHttp(served.url, 'streamable')
    const b = await connectHttp(served.url, 'streamable')
    open.push(a, b)
    const heardByA = messagesOf(a)
    const heardByB = messagesOf(b)
    await a.setLoggingLevel('info')
    await b.setLoggingLevel('info')
    const finished = (id: string, messages: Message[]) =>
      about(id, messages).some((m) => (m.data as { message: string }).message === 'execution finished')

    // A's execution, which B only sees in a list: B hears nothing of it.
    const first = await runOnboarding(a)
    await until('the retry lines', () => about(first, heardByA).length >= 2)
    const listed = await call(b, 'list_executions', {})
    expect(listed.structuredContent.executions.map((e: { id: string }) => e.id)).toContain(first)
    await call(a, 'deliver_event', { execution_id: first, event: 'email-verified', data: {} })
    await until('A to hear its execution finish', () => finished(first, heardByA))
    await b.ping() // B's copy of any line would have been sent before A's arrived
    expect(heardByB).toEqual([])

    // Once B names A's next execution (status), B hears its lines from then on.
    const second = await runOnboarding(a)
    await until('the retry lines', () => about(second, heardByA).length >= 2)
    expect((await call(b, 'status', { execution_id: second })).isError).toBeFalsy()
    await call(a, 'deliver_event', { execution_id: second, event: 'email-verified', data: {} })
    await until('B to hear the execution it named finish', () => finished(second, heardByB))
    // One stream carries B's lines in order: the retries, logged before B named it, never came.
    expect(heardByB.map((m) => (m.data as { message: string }).message)).toEqual(['execution finished'])
    expect(about(second, heardByB)).toHaveLength(1)
  })
})
