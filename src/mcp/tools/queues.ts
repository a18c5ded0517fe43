import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'
import { queueLimits, queueLimitsShape } from '../../client/schemas.ts'
import type { Zart } from '../../client/zart.ts'
import { queueResultSchema, queuesResultSchema } from '../output-schemas.ts'
import { runTool, toolSuccess } from '../tool-result.ts'
import { advertised, parseArguments } from '../tool-schema.ts'
import { defaultToolContext, type ToolContext } from './tool-context.ts'

const setInput = z.object({
  name: z.string().describe('The queue name, e.g. "emails"'),
  ...queueLimitsShape,
})

/** `list_queues`: the queues stored on this database and their limits. Reads only. */
export function registerListQueuesTool(
  server: McpServer,
  client: Promise<Zart>,
  context: ToolContext = defaultToolContext,
): void {
  server.registerTool(
    'list_queues',
    {
      title: 'List queues',
      description:
        'List the queues on this database with their limits: concurrency (running at once), key_concurrency ' +
        '(running at once per concurrency key) and rate_limit (starts per period). status shows why a queued ' +
        'execution is not running yet in queue_reason.',
      outputSchema: queuesResultSchema,
      annotations: { title: 'List queues', readOnlyHint: true, openWorldHint: false },
    },
    () =>
      runTool(context, undefined, async () => {
        const zart = await client
        const queues = await zart.queues()
        return toolSuccess({ queues }, queues.length === 0 ? 'No queues are defined.' : `${queues.length} queue(s).`)
      }),
  )
}

/** `set_queue`: creates a queue or changes its limits, for every worker at once. */
export function registerSetQueueTool(
  server: McpServer,
  client: Promise<Zart>,
  context: ToolContext = defaultToolContext,
): void {
  server.registerTool(
    'set_queue',
    {
      title: 'Set a queue',
      description:
        'Create a queue or change its limits, stored in the database so every worker enforces them at its next ' +
        'claim. A limit left out (or null) is no limit; each given limit is at least 1. The limits replace the ' +
        'old ones as a whole. Only when the person asks.',
      inputSchema: advertised(setInput),
      outputSchema: queueResultSchema,
      annotations: {
        title: 'Set a queue',
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    (args) =>
      runTool(context, args, async () => {
        const { name, ...limits } = parseArguments(setInput, args, 'set_queue')
        const zart = await client
        const queue = await zart.setQueue(name, queueLimits(limits))
        return toolSuccess(queue, `Queue ${JSON.stringify(queue.name)} is set; workers apply it at their next claim.`)
      }),
  )
}
