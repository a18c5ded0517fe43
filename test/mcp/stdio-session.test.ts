import { afterEach, describe, expect, it } from 'vitest'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { tempDir } from '../helpers.ts'
import { call, connectStdio, dbIn, EXAMPLE_WORKFLOWS, type LooseJson } from './helpers.ts'

const open: Client[] = []
afterEach(async () => {
  for (const client of open.splice(0)) await client.close()
})

async function untilWaiting(client: Client, id: string): Promise<LooseJson> {
  for (let i = 0; i < 100; i++) {
    const { structuredContent: status } = await call(client, 'status', { execution_id: id })
    if (status.status === 'waiting') return status
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${id} never reached waiting`)
}

describe('zart mcp over stdio: the approval session', () => {
  it('schedules, shows the approval wait, takes the event, completes, and a new session finds it', async () => {
    const db = dbIn(tempDir())
    const first = await connectStdio(db, [EXAMPLE_WORKFLOWS])
    open.push(first.client)

    const scheduled = await call(first.client, 'schedule', {
      workflow: 'data-pipeline',
      id: 'pipeline-001',
      data: { rows: 1000 },
    })
    expect(scheduled.isError).toBeFalsy()
    expect(scheduled.structuredContent).toEqual({ execution_id: 'pipeline-001', status: 'running', created: true })
    const text = scheduled.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n')
    expect(JSON.parse(text.split('\n')[0]!)).toEqual(scheduled.structuredContent) // JSON mirror for older clients
    expect(text).toMatch(/status/)
    expect(text).not.toMatch(/\bwait\b/i) // says how to check later, never to block

    const waiting = await untilWaiting(first.client, 'pipeline-001')
    expect(waiting).toMatchObject({ id: 'pipeline-001', workflow: 'data-pipeline', step: 'approval' })
    expect(waiting.waiting_for[0].event).toBe('approval')
    expect(Date.parse(waiting.waiting_for[0].deadline)).toBeGreaterThan(Date.now())
    expect(waiting.waiting_for[0].schema).toMatchObject({
      type: 'object',
      properties: { approved: { type: 'boolean' } },
    })

    const listed = await call(first.client, 'list_executions', { status: 'waiting' })
    expect(listed.structuredContent.executions.map((e: { id: string }) => e.id)).toEqual(['pipeline-001'])
    expect(listed.structuredContent.executions[0].waiting_for[0].event).toBe('approval')

    // The person says "approve" in chat; the model delivers it.
    const delivered = await call(first.client, 'deliver_event', {
      execution_id: 'pipeline-001',
      event: 'approval',
      data: { approved: true },
      event_id: 'chat-1',
    })
    expect(delivered.structuredContent).toEqual({ result: 'delivered', status: 'pending' })
    const again = await call(first.client, 'deliver_event', {
      execution_id: 'pipeline-001',
      event: 'approval',
      data: { approved: true },
      event_id: 'chat-1',
    })
    expect(again.structuredContent.result).toBe('duplicate')

    const done = await call(first.client, 'wait', { execution_id: 'pipeline-001', timeout_seconds: 20 })
    expect(done.structuredContent).toMatchObject({
      status: 'completed',
      timed_out: false,
      output: { rows_written: 990, published: true },
    })

    // A new agent session: new client, new server process, same database.
    await first.client.close()
    open.splice(0)
    const second = await connectStdio(db, [EXAMPLE_WORKFLOWS])
    open.push(second.client)
    const later = await call(second.client, 'status', { execution_id: 'pipeline-001' })
    expect(later.structuredContent).toMatchObject({ status: 'completed', output: { rows_written: 990 } })
    expect(second.stderr()).not.toMatch(/"level":"error"/)
  })
})
