import { afterEach, describe, expect, it } from 'vitest'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { tempDir } from '../helpers.ts'
import { call, connectStdio, dbIn, MCP_FIXTURES } from './helpers.ts'

const TEMPLATE = { type: 'ref/resource' as const, uri: 'zart://executions/{id}' }

const open: Client[] = []
afterEach(async () => {
  for (const client of open.splice(0)) await client.close()
})

async function complete(client: Client, value: string, name = 'id', ref: typeof TEMPLATE = TEMPLATE) {
  return (await client.complete({ ref, argument: { name, value } })).completion
}

describe('completion/complete for zart://executions/{id}', () => {
  it('completes a typed prefix to the scheduled execution ids, newest first', async () => {
    const { client } = await connectStdio(dbIn(tempDir()), [MCP_FIXTURES])
    open.push(client)
    expect(client.getServerCapabilities()?.completions).toEqual({})

    const generated = (await call(client, 'schedule', { workflow: 'quick' })).structuredContent.execution_id as string
    for (const id of ['order-a1', 'order-a2', 'other-1']) await call(client, 'schedule', { workflow: 'quick', id })

    expect((await complete(client, generated.slice(0, 6))).values).toContain(generated)
    expect((await complete(client, generated)).values).toEqual([generated])
    expect((await complete(client, 'order-')).values).toEqual(['order-a2', 'order-a1'])
    // The generated id is random: 1 run in 64 it starts with "o" too (oldest, so last).
    const alsoO = generated.startsWith('o') ? [generated] : []
    expect((await complete(client, 'o')).values).toEqual(['other-1', 'order-a2', 'order-a1', ...alsoO])
    expect((await complete(client, 'nope')).values).toEqual([])
  })

  it('offers nothing for other arguments, resources or prompts (it has none)', async () => {
    const { client } = await connectStdio(dbIn(tempDir()), [MCP_FIXTURES])
    open.push(client)
    await call(client, 'schedule', { workflow: 'quick', id: 'only-one' })

    expect((await complete(client, 'o', 'workflow')).values).toEqual([])
    expect((await complete(client, 'o', 'id', { type: 'ref/resource', uri: 'zart://other/{id}' })).values).toEqual([])
    const prompt = await client.complete({ ref: { type: 'ref/prompt', name: 'x' }, argument: { name: 'a', value: '' } })
    expect(prompt.completion.values).toEqual([])
  })
})
