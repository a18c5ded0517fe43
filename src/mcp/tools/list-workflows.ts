import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { Zart } from '../../client/zart.ts'
import { workflowsResultSchema } from '../output-schemas.ts'
import { runTool, toolSuccess } from '../tool-result.ts'
import { defaultToolContext, type ToolContext } from './tool-context.ts'

/** `list_workflows`: what can be scheduled, and the data each workflow accepts. */
export function registerListWorkflowsTool(
  server: McpServer,
  client: Promise<Zart>,
  context: ToolContext = defaultToolContext,
): void {
  server.registerTool(
    'list_workflows',
    {
      title: 'List workflows',
      description:
        'List the workflows this server can schedule: name, description, timeout, retries, the JSON Schema of the ' +
        'data schedule accepts (input_schema) and of each event it waits for (events). Call it before schedule when ' +
        'you do not know the workflow name or its data.',
      outputSchema: workflowsResultSchema,
      annotations: { title: 'List workflows', readOnlyHint: true, openWorldHint: false },
    },
    () =>
      runTool(context, undefined, async () => {
        const workflows = (await client).workflows()
        const hint =
          workflows.length === 0
            ? 'No workflows are loaded: start the server with --workflows PATH.'
            : `Workflows: ${workflows.map((w) => w.name).join(', ')}.`
        return toolSuccess({ workflows }, hint)
      }),
  )
}
