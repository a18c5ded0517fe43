import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'
import { executionIdSchema } from '../../client/schemas.ts'
import type { Zart } from '../../client/zart.ts'
import { executionResultSchema } from '../output-schemas.ts'
import { statusHint } from '../status-text.ts'
import { outputUri } from '../resources.ts'
import { runTool, toolSuccess } from '../tool-result.ts'
import { advertised, parseArguments } from '../tool-schema.ts'
import { defaultToolContext, type ToolContext } from './tool-context.ts'

const input = z.object({
  execution_id: executionIdSchema.describe('The id schedule returned'),
  include_steps: z.boolean().optional().describe('Add the step history (default false)'),
})

/** Larger outputs are linked (zart://executions/{id}/output), not pasted into the agent's context. */
const MAX_INLINE_OUTPUT_BYTES = 32 * 1024

/** `status`: reads one execution, never blocks. */
export function registerStatusTool(
  server: McpServer,
  client: Promise<Zart>,
  context: ToolContext = defaultToolContext,
): void {
  server.registerTool(
    'status',
    {
      title: 'Execution status',
      description:
        "Read an execution's current state at once: status (pending, running, waiting, completed, failed, cancelled, timed_out), " +
        'the current step, output when completed, error when it ended badly. When status is waiting, waiting_for lists the ' +
        'event it needs (with its deadline and the JSON Schema of its data): deliver it with deliver_event, asking the person first ' +
        'when it is a decision such as an approval. A parent lists its child executions in children, a child names its ' +
        'parent in parent_id.',
      inputSchema: advertised(input),
      outputSchema: executionResultSchema,
      annotations: { title: 'Execution status', readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      runTool(context, args, async () => {
        const { execution_id, include_steps } = parseArguments(input, args, 'status')
        const zart = await client
        const view = await zart.status(execution_id, { includeSteps: include_steps ?? false })
        const dashboardUrl = context.dashboardUrl?.(view.id)
        const shown: Record<string, unknown> =
          dashboardUrl === undefined ? { ...view } : { ...view, dashboard_url: dashboardUrl }
        // A large output is not pasted into the agent's context: it gets a link to read it by.
        const size = view.output === undefined ? 0 : Buffer.byteLength(JSON.stringify(view.output))
        if (size <= MAX_INLINE_OUTPUT_BYTES) return toolSuccess(shown, statusHint(view))
        delete shown.output
        shown.output_uri = outputUri(view.id)
        const result = toolSuccess(
          shown,
          `${statusHint(view)} Its output is ${size} bytes of JSON, too big to show here: read the resource ${outputUri(view.id)} if you need it.`,
        )
        result.content.push({
          type: 'resource_link',
          uri: outputUri(view.id),
          name: `output of ${view.id}`,
          mimeType: 'application/json',
        })
        return result
      }),
  )
}
