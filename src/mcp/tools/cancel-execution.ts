import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'
import { executionIdSchema } from '../../client/schemas.ts'
import type { Zart } from '../../client/zart.ts'
import { executionResultSchema } from '../output-schemas.ts'
import { runTool, toolSuccess } from '../tool-result.ts'
import { advertised, parseArguments } from '../tool-schema.ts'
import { defaultToolContext, type ToolContext } from './tool-context.ts'

const input = z.object({ execution_id: executionIdSchema.describe('The execution to cancel') })

/** `cancel_execution`: stops an execution for good. */
export function registerCancelExecutionTool(
  server: McpServer,
  client: Promise<Zart>,
  context: ToolContext = defaultToolContext,
): void {
  server.registerTool(
    'cancel_execution',
    {
      title: 'Cancel an execution',
      description:
        'Cancel an execution that has not finished: it stops for good (status cancelled) and cannot be resumed; ' +
        'steps already done are not undone. Its unfinished child executions are cancelled with it, except those started ' +
        'detached. Only do this when the person asks. Fails with EXECUTION_TERMINAL when ' +
        'the execution has already ended.',
      inputSchema: advertised(input),
      outputSchema: executionResultSchema,
      annotations: {
        title: 'Cancel an execution',
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    (args) =>
      runTool(context, args, async () => {
        const { execution_id } = parseArguments(input, args, 'cancel_execution')
        const zart = await client
        const view = await zart.cancel(execution_id)
        return toolSuccess(view, `Execution ${JSON.stringify(view.id)} is cancelled.`)
      }),
  )
}
