/**
 * The baseline for bench/mcp.ts: a bare MCP SDK server on stdio with one `status` tool
 * that answers a fixed object, no database, no worker. What is left between it and
 * `zart mcp` is zart's own cost. Started through tsx, like `zart mcp` from a checkout.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { z } from 'zod'

const server = new McpServer({ name: 'bare', version: '1.0.0' })
server.registerTool(
  'status',
  { description: 'A fixed status', inputSchema: { execution_id: z.string() } },
  ({ execution_id }) => ({
    content: [{ type: 'text', text: JSON.stringify({ id: execution_id, status: 'running' }) }],
  }),
)
await server.connect(new StdioServerTransport())
