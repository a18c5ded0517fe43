import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { toolError } from './errors.ts'
import type { ToolContext } from './tools/tool-context.ts'

/**
 * A successful tool result: `structuredContent` for clients that read it, the same object
 * as JSON text for those that do not, and an optional hint in plain words for the model.
 */
export function toolSuccess(structured: object, hint?: string): CallToolResult {
  const content: CallToolResult['content'] = [{ type: 'text', text: JSON.stringify(structured) }]
  if (hint) content.push({ type: 'text', text: hint })
  return { content, structuredContent: structured as Record<string, unknown> }
}

/**
 * Runs a tool body and turns whatever it throws into an `isError` result. Every tool goes
 * through here, so this is where the session notes the executions a call is about (see
 * `WatchedExecutions`): the `execution_id` it names, before the body runs so that a long
 * `wait` hears the lines of the run it waits for, and the execution the result shows.
 */
export async function runTool(
  context: Pick<ToolContext, 'logger' | 'watched'>,
  args: unknown,
  body: () => Promise<CallToolResult> | CallToolResult,
): Promise<CallToolResult> {
  context.watched?.addArguments(args)
  try {
    const result = await body()
    if (!result.isError) context.watched?.addResult(result.structuredContent)
    return result
  } catch (error) {
    return toolError(error, context.logger)
  }
}
