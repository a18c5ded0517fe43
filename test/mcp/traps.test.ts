import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDb } from '../helpers.ts'
import { call, connectStdio, EXAMPLE_WORKFLOWS, type Connected } from './helpers.ts'

describe('no silent traps for agents (zart mcp over stdio)', () => {
  let db: string
  let full: Connected
  let readOnly: Connected
  beforeAll(async () => {
    db = tempDb()
    ;[full, readOnly] = await Promise.all([
      connectStdio(db, [EXAMPLE_WORKFLOWS]),
      connectStdio(db, [EXAMPLE_WORKFLOWS], {}, ['--read-only']),
    ])
  })
  afterAll(async () => {
    await Promise.all([full?.client.close(), readOnly?.client.close()])
  })

  it('refuses an argument a tool does not take, naming the ones it does', async () => {
    const result = await call(full.client, 'schedule', {
      workflow: 'data-pipeline',
      idempotency_kee: 'typo', // a silent drop would start a second execution on a retry
    })
    expect(result.isError).toBe(true)
    expect(result.structuredContent.error).toMatchObject({ code: 'INVALID_INPUT' })
    expect(result.structuredContent.error.message).toMatch(
      /^schedule does not take "idempotency_kee": its arguments are workflow, data, id, idempotency_key/,
    )
    expect((await full.client.listTools()).tools.find((t) => t.name === 'schedule')?.inputSchema).toMatchObject({
      additionalProperties: false,
      properties: { data: { type: 'object' } },
    })
  })

  it('types `data` as an object, so generic clients built from the schema send one', async () => {
    const tools = (await full.client.listTools()).tools
    for (const name of ['schedule', 'deliver_event', 'run_workflow']) {
      const data = tools.find((t) => t.name === name)?.inputSchema.properties?.data as { type?: string } | undefined
      expect(data?.type, name).toBe('object')
    }
  })

  it('offers only the tools that read in read-only mode', async () => {
    const names = (await readOnly.client.listTools()).tools.map((t) => t.name).sort()
    expect(names).toEqual([
      'list_executions',
      'list_queues',
      'list_schedules',
      'list_workers',
      'list_workflows',
      'replay_check',
      'status',
      'wait',
    ])
    const refused = await readOnly.client.callTool({ name: 'schedule', arguments: { workflow: 'data-pipeline' } }).then(
      (r) => r,
      (error: unknown) => ({ isError: true, error }),
    )
    expect(refused.isError).toBe(true)
  })
})

describe('a large output over MCP', () => {
  it('is linked as a resource instead of pasted into the agent context', async () => {
    const db = tempDb()
    const { createZart, defineWorkflow } = await import('../../src/index.ts')
    const big = defineWorkflow({ name: 'big' }, async (ctx) => ctx.step('make', () => ({ rows: 'x'.repeat(40_000) })))
    const zart = await createZart({ db, workflows: [big] })
    await zart.schedule('big', {}, { id: 'big-1' })
    await zart.drain()
    await zart.close()
    const { client } = await connectStdio(db, [EXAMPLE_WORKFLOWS])
    const result = await call(client, 'status', { execution_id: 'big-1' })
    expect(result.structuredContent).toMatchObject({
      status: 'completed',
      output_uri: 'zart://executions/big-1/output',
    })
    expect(result.structuredContent.output).toBeUndefined()
    expect(result.content).toContainEqual(
      expect.objectContaining({ type: 'resource_link', uri: 'zart://executions/big-1/output' }),
    )
    const read = await client.readResource({ uri: 'zart://executions/big-1/output' })
    expect(JSON.parse(String((read.contents[0] as { text: string }).text))).toEqual({ rows: 'x'.repeat(40_000) })
    await client.close()
  })
})
