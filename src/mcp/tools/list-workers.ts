import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { Zart } from '../../client/zart.ts'
import { workersResultSchema } from '../output-schemas.ts'
import { runTool, toolSuccess } from '../tool-result.ts'
import { defaultToolContext, type ToolContext } from './tool-context.ts'

/** `list_workers`: which worker processes are alive on this database, and what they run. */
export function registerListWorkersTool(
  server: McpServer,
  client: Promise<Zart>,
  context: ToolContext = defaultToolContext,
): void {
  server.registerTool(
    'list_workers',
    {
      title: 'List live workers',
      description:
        'List the worker processes alive on this database (id, host, pid, the workflows each runs, when it last ' +
        'reported). Use it when an execution does not move: with no worker for its workflow, it waits until one runs.',
      outputSchema: workersResultSchema,
      annotations: { title: 'List live workers', readOnlyHint: true, openWorldHint: false },
    },
    () =>
      runTool(context, undefined, async () => {
        const zart = await client
        const workers = await zart.workers()
        const hint =
          workers.length === 0
            ? 'No worker is running on this database: executions wait until one runs (zart worker, zart serve or zart mcp).'
            : `${workers.length} worker(s) alive.`
        return toolSuccess({ workers }, hint)
      }),
  )
}
