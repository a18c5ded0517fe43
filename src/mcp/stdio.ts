import type { Readable, Writable } from 'node:stream'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import type { Zart } from '../client/zart.ts'
import { createMcpServer, type McpServerOptions } from './create-server.ts'

export interface StdioOptions extends McpServerOptions {
  /** Default `process.stdin`; pass streams to serve MCP over anything else (tests). */
  stdin?: Readable
  /** Default `process.stdout`: it carries MCP messages only, so logs must go elsewhere. */
  stdout?: Writable
}

/** A running stdio MCP connection. */
export interface StdioConnection {
  /** Resolves when the connection has ended: stdin closed, or `close()` was called. */
  readonly closed: Promise<void>
  close(): Promise<void>
}

/**
 * Serves MCP over stdin/stdout until stdin ends. The client process usually owns this
 * one: it starts `zart mcp`, and closing its end of the pipe ends the session. `zart` may
 * still be opening (see `createMcpServer`): the agent's first requests need not wait for it.
 */
export async function serveStdio(zart: Zart | Promise<Zart>, options: StdioOptions = {}): Promise<StdioConnection> {
  const stdin = options.stdin ?? process.stdin
  const server = createMcpServer(zart, options)
  const transport = new StdioServerTransport(stdin, options.stdout ?? process.stdout)
  let resolveClosed!: () => void
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve))
  const previous = server.server.onclose
  server.server.onclose = () => {
    previous?.()
    resolveClosed()
  }
  // The SDK transport does not watch for the end of stdin; without this the process would linger.
  const onEnd = () => void server.close()
  stdin.once('end', onEnd)
  stdin.once('close', onEnd)
  await server.connect(transport)
  return {
    closed,
    close: async () => {
      stdin.off('end', onEnd)
      stdin.off('close', onEnd)
      await server.close()
      await closed
    },
  }
}
