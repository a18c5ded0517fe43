// The baseline of the start-up and MCP benchmarks: a bare MCP SDK server on stdio, no
// database, no worker. It has a `status` tool that answers a fixed object, and as many
// more small tools as the first argument says in all (default 1), so that it can offer
// as many tools as `zart mcp` does. What is left between it and `zart mcp` is zart's own
// cost. Plain JavaScript, so that it runs without a loader beside an installed zart, and
// through tsx (`--import`) beside zart run from a checkout.
//
//   node bench/bare-mcp-server.mjs [tools]
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { z } from 'zod'

const tools = Math.max(1, Number(process.argv[2] ?? 1))
const server = new McpServer({ name: 'bare', version: '1.0.0' })
server.registerTool(
  'status',
  { description: 'A fixed status', inputSchema: { execution_id: z.string() } },
  ({ execution_id }) => ({
    content: [{ type: 'text', text: JSON.stringify({ id: execution_id, status: 'running' }) }],
  }),
)
for (let i = 2; i <= tools; i++) {
  server.registerTool(
    `tool_${i}`,
    { description: `Filler tool ${i}`, inputSchema: { execution_id: z.string(), limit: z.number().optional() } },
    ({ execution_id }) => ({ content: [{ type: 'text', text: execution_id }] }),
  )
}
await server.connect(new StdioServerTransport())
