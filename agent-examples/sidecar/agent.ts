/**
 * An agent loop beside a long-running `zart serve` (the sidecar), talking MCP over
 * Streamable HTTP the way an agent framework does: connect once, turn the server's tools
 * into the model's function list, call them as the model asks. Here a tiny scripted
 * "model" stands in for the LLM, and the person approves on the terminal.
 *
 *   zart serve &                                  # beside the agent, same database
 *   npx tsx agent-examples/sidecar/agent.ts       # ZART_URL, ZART_TOKEN if you set one
 */
import { createInterface } from 'node:readline/promises'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'

const url = new URL('/mcp', process.env.ZART_URL ?? 'http://127.0.0.1:7420')
const token = process.env.ZART_TOKEN
const transport = new StreamableHTTPClientTransport(
  url,
  token ? { requestInit: { headers: { Authorization: `Bearer ${token}` } } } : {},
)
const client = new Client({ name: 'sidecar-example', version: '1.0.0' })
await client.connect(transport)

// What a framework hands the model: name, description and JSON Schema of each tool,
// plus the server's instructions as part of the system prompt.
const { tools } = await client.listTools()
const functions = tools.map((t) => ({ name: t.name, description: t.description, parameters: t.inputSchema }))
console.log(`system prompt gets:\n${client.getInstructions()}\n`)
console.log(`model may call: ${functions.map((f) => f.name).join(', ')}\n`)

/** The fields of zart's tool results this loop reads. */
interface ToolResult {
  execution_id: string
  status: string
  result?: string
  waiting_for?: { kind: string; event?: string; deadline: string | null }[] | null
  output?: unknown
  error?: { code?: string; message?: string }
}

/** One tool call as the framework makes it: structured result, or the error the model reads. */
async function callTool(name: string, args: Record<string, unknown>): Promise<ToolResult> {
  const result = await client.callTool({ name, arguments: args })
  const structured = (result.structuredContent ?? {}) as unknown as ToolResult
  if (result.isError) throw new Error(`${name} failed: ${structured.error?.code} ${structured.error?.message}`)
  return structured
}

// The scripted model: schedule (safe to repeat thanks to the idempotency key), go on with
// other work, check back with a bounded wait, relay the approval, collect the result.
const { execution_id } = await callTool('schedule', {
  workflow: 'data-pipeline',
  data: { rows: 5000 },
  idempotency_key: `sidecar-${new Date().toISOString().slice(0, 10)}`,
})
console.log(`scheduled ${execution_id}; the agent is free to do other things meanwhile`)

const terminal = new Set(['completed', 'failed', 'cancelled', 'timed_out'])
let status = await callTool('wait', { execution_id, timeout_seconds: 2 })
while (!terminal.has(status.status)) {
  const approval = status.waiting_for?.find((w) => w.event === 'approval')
  if (status.status === 'waiting' && approval) {
    const rl = createInterface({ input: process.stdin, output: process.stdout })
    const answer = await rl.question(`${execution_id} waits for approval (until ${approval.deadline}). Approve? [y/N] `)
    rl.close()
    const delivered = await callTool('deliver_event', {
      execution_id,
      event: 'approval',
      data: { approved: /^y(es)?$/i.test(answer.trim()), note: 'answered on the sidecar terminal' },
      event_id: `${execution_id}-approval`, // a retried delivery is reported as duplicate, not applied twice
    })
    console.log(`approval ${delivered.result}`)
  }
  status = await callTool('wait', { execution_id, timeout_seconds: 25 })
}
console.log(`${execution_id} ${status.status}:`, JSON.stringify(status.output ?? status.error, null, 2))

await transport.terminateSession() // ends the server's session now rather than at its idle timeout
await client.close()
