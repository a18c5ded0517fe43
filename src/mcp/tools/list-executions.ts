import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'
import { executionStatusSchema, MAX_LIST_LIMIT, workflowNameSchema } from '../../client/schemas.ts'
import type { Zart } from '../../client/zart.ts'
import { listResultSchema } from '../output-schemas.ts'
import { runTool, toolSuccess } from '../tool-result.ts'
import { advertised, parseArguments } from '../tool-schema.ts'
import { defaultToolContext, type ToolContext } from './tool-context.ts'

const input = z.object({
  status: executionStatusSchema
    .optional()
    .describe('Only executions in this state; "waiting" finds those that need an event'),
  workflow: workflowNameSchema.optional().describe('Only executions of this workflow'),
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_LIST_LIMIT)
    .optional()
    .describe(`Page size (default 20, max ${MAX_LIST_LIMIT})`),
  cursor: z.string().optional().describe('next_cursor from the previous page'),
})

/** `list_executions`: pages through executions, newest first. */
export function registerListExecutionsTool(
  server: McpServer,
  client: Promise<Zart>,
  context: ToolContext = defaultToolContext,
): void {
  server.registerTool(
    'list_executions',
    {
      title: 'List executions',
      description:
        'List executions, newest first, optionally only one status or one workflow. Use it to find an execution ' +
        'started in an earlier session, or the ones waiting for an event (status: "waiting"; each shows waiting_for). ' +
        'Pages: pass next_cursor back as cursor until it is null.',
      inputSchema: advertised(input),
      outputSchema: listResultSchema,
      annotations: { title: 'List executions', readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      runTool(context, args, async () => {
        const { status, workflow, limit, cursor } = parseArguments(input, args, 'list_executions')
        const zart = await client
        const page = await zart.list({
          ...(status !== undefined && { status }),
          ...(workflow !== undefined && { workflow }),
          ...(limit !== undefined && { limit }),
          ...(cursor !== undefined && { cursor }),
        })
        const more =
          page.next_cursor === null ? 'This is the last page.' : 'More executions exist: pass next_cursor as cursor.'
        return toolSuccess(page, `${page.executions.length} execution(s). ${more}`)
      }),
  )
}
