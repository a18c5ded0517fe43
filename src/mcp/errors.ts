import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { asZartError } from '../errors.ts'
import type { Logger } from '../engine/logger.ts'

const INTERNAL_MESSAGE =
  'zart hit an internal error (details are in the server log): try the call again; before repeating schedule or deliver_event, check with status or list_executions whether the first call took effect'

/**
 * Turns anything a tool handler threw into an `isError` result the agent can act on.
 * A ZartError keeps its code and message (the same as the CLI and the REST API give);
 * anything else is logged here and reported as a generic INTERNAL error, so no stack
 * trace or internal detail reaches the client.
 */
export function toolError(error: unknown, logger: Logger): CallToolResult {
  const known = asZartError(error)
  const body = known ? known.toJSON() : internal(error, logger)
  return {
    isError: true,
    content: [{ type: 'text', text: `${body.code}: ${body.message}` }],
    structuredContent: { error: body },
  }
}

function internal(error: unknown, logger: Logger): { code: 'INTERNAL'; message: string } {
  logger.error('mcp tool failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  return { code: 'INTERNAL', message: INTERNAL_MESSAGE }
}
