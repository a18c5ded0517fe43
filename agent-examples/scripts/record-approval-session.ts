/**
 * Records agent-examples/approval-session.md from a real run: spawns `zart mcp` on a
 * fresh database, plays the agent's side of the approval session through the SDK client,
 * and writes down every JSON-RPC message that crossed stdio.
 *
 *   npx tsx agent-examples/scripts/record-approval-session.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const out = fileURLToPath(new URL('../approval-session.md', import.meta.url))
const home = mkdtempSync(join(tmpdir(), 'zart-transcript-'))

type Entry =
  | { kind: 'message'; direction: 'agent → zart' | 'zart → agent'; message: JSONRPCMessage }
  | { kind: 'note'; text: string }
const entries: Entry[] = []
const note = (text: string) => entries.push({ kind: 'note', text })
let recording = true

/** Passes messages through and keeps a copy of each, in order. */
class RecordingTransport implements Transport {
  onclose?: () => void
  onerror?: (error: Error) => void
  onmessage?: (message: JSONRPCMessage) => void
  private readonly inner: Transport

  constructor(inner: Transport) {
    this.inner = inner
    inner.onmessage = (message) => {
      if (recording) entries.push({ kind: 'message', direction: 'zart → agent', message })
      this.onmessage?.(message)
    }
    inner.onclose = () => this.onclose?.()
    inner.onerror = (error) => this.onerror?.(error)
  }
  start(): Promise<void> {
    return this.inner.start()
  }
  send(message: JSONRPCMessage): Promise<void> {
    if (recording) entries.push({ kind: 'message', direction: 'agent → zart', message })
    return this.inner.send(message)
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}

const stdio = new StdioClientTransport({
  command: process.execPath,
  args: [join(root, 'bin/zart.js'), 'mcp'],
  cwd: home, // no ./workflows here, so zart serves its bundled examples
  env: { ...(process.env as Record<string, string>), ZART_HOME: home, ZART_LOG_LEVEL: 'warn' },
})
const client = new Client({ name: 'transcript', version: '1.0.0' })
try {
  await client.connect(new RecordingTransport(stdio))
  entries.splice(0) // the initialize handshake is the same every time; the README shows the instructions
  note('The person: "Run the data pipeline for the orders export, id pipeline-001."')
  await client.callTool({
    name: 'schedule',
    arguments: { workflow: 'data-pipeline', id: 'pipeline-001', data: { rows: 1000 } },
  })
  note('Later (the same session or another one), the agent checks on it:')
  recording = false // an agent checks back minutes later; here, poll quietly until it is there
  for (let i = 0; i < 200; i++) {
    const result = await client.callTool({ name: 'status', arguments: { execution_id: 'pipeline-001' } })
    if ((result.structuredContent as { status?: string } | undefined)?.status === 'waiting') break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  recording = true
  await client.callTool({ name: 'status', arguments: { execution_id: 'pipeline-001' } })
  note(
    'The agent: "pipeline-001 has extracted, transformed and loaded the data and is waiting for your approval before it publishes. Approve?"\n\nThe person: "Yes, approve it."',
  )
  await client.callTool({
    name: 'deliver_event',
    arguments: {
      execution_id: 'pipeline-001',
      event: 'approval',
      data: { approved: true, note: 'approved in chat' },
      event_id: 'chat-approval-1',
    },
  })
  const done = await client.callTool({ name: 'wait', arguments: { execution_id: 'pipeline-001', timeout_seconds: 25 } })
  const output =
    (done.structuredContent as { output?: { rows_written?: number; table?: string; url?: string } }).output ?? {}
  note(`The agent: "Done: ${output.rows_written} rows written to ${output.table} and published at ${output.url}."`)
} finally {
  await client.close()
  rmSync(home, { recursive: true, force: true })
}

const lines = [
  '# The approval session, as MCP messages',
  '',
  'Recorded from a real run of `zart mcp` (stdio) with the bundled `data-pipeline` workflow, by',
  '`npx tsx agent-examples/scripts/record-approval-session.ts`. Ids and times change from run to run;',
  'the shape does not. The `initialize` handshake and the quiet polling before the second call are left out,',
  'so JSON-RPC ids skip.',
  '',
]
for (const entry of entries) {
  if (entry.kind === 'note') lines.push(...entry.text.split('\n').map((l) => (l ? `> ${l}` : '>')), '')
  else lines.push(`**${entry.direction}**`, '', '```json', JSON.stringify(entry.message, null, 2), '```', '')
}
writeFileSync(out, lines.join('\n'))
console.error(`wrote ${out}`)
