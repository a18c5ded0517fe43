import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { CompleteRequestSchema, type CompleteResult } from '@modelcontextprotocol/sdk/types.js'
import type { Zart } from '../client/zart.ts'
import { MAX_LIST_LIMIT } from '../client/schemas.ts'
import type { Logger } from '../engine/logger.ts'
import { EXECUTION_URI_TEMPLATE, protocolErrors } from './resources.ts'

const NOTHING: CompleteResult = { completion: { values: [] } }

/**
 * Answers `completion/complete` for the `{id}` of `zart://executions/{id}`: the ids of the
 * 100 most recent executions that start with what the client typed, newest first.
 *
 * Installed on the low-level server because the execution resources are (see
 * resources.ts), so McpServer's ResourceTemplate `complete` callback never sees them.
 *
 * @example
 * // client → {ref: {type: 'ref/resource', uri: 'zart://executions/{id}'}, argument: {name: 'id', value: 'ex_3'}}
 * // server ← {completion: {values: ['ex_3f9…', 'ex_31c…']}}
 */
export function registerExecutionIdCompletion(server: McpServer, client: Promise<Zart>, logger: Logger): void {
  const low = server.server
  low.registerCapabilities({ completions: {} })
  low.setRequestHandler(CompleteRequestSchema, async (request) => {
    const { ref, argument } = request.params
    // zart offers no prompts: nothing to complete there (an empty answer, as the spec allows).
    if (ref.type === 'ref/prompt') return NOTHING
    if (ref.uri !== EXECUTION_URI_TEMPLATE || argument.name !== 'id') return NOTHING
    const page = await protocolErrors(logger, async () => (await client).list({ limit: MAX_LIST_LIMIT }))
    const values = page.executions.map((e) => e.id).filter((id) => id.startsWith(argument.value))
    // No total: only the newest executions were looked at, older matches are unknown.
    return { completion: { values } }
  })
}
