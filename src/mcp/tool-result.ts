import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { Logger } from '../engine/logger.ts'
import { toolError } from './errors.ts'

/**
 * A successful tool result: `structuredContent` for clients that read it, the same object
 * as JSON text for those that do not, and an optional hint in plain words for the model.
 */
export function toolSuccess(structured: object, hint?: string): CallToolResult {
  const content: CallToolResult['content'] = [{ type: 'text', text: JSON.stringify(structured) }]
  if (hint) content.push({ type: 'text', text: hint })
  return { content, structuredContent: structured as Record<string, unknown> }
}

/** Runs a tool body and turns whatever it throws into an `isError` result. */
export async function runTool(
  logger: Logger,
  body: () => Promise<CallToolResult> | CallToolResult,
): Promise<CallToolResult> {
  try {
    return await body()
  } catch (error) {
    return toolError(error, logger)
  }
}
