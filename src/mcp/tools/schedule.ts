import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'
import {
  executionIdSchema,
  flowOptions,
  idempotencyKeySchema,
  scheduleFlowShape,
  workflowNameSchema,
} from '../../client/schemas.ts'
import type { Zart } from '../../client/zart.ts'
import { scheduleResultSchema } from '../output-schemas.ts'
import { toolSuccess, runTool } from '../tool-result.ts'
import { advertised, parseArguments } from '../tool-schema.ts'
import { traceparentOf } from '../trace-meta.ts'
import { defaultToolContext, type ToolContext } from './tool-context.ts'

const input = z.object({
  workflow: workflowNameSchema.describe('Name of the workflow to run (see list_workflows)'),
  data: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("The workflow's input, a JSON object; must match its input_schema from list_workflows"),
  id: executionIdSchema
    .optional()
    .describe('Your own execution id; scheduling the same id and data again returns the existing execution'),
  idempotency_key: idempotencyKeySchema
    .optional()
    .describe('A key that maps to at most one execution: retrying with it never starts a second one'),
  run_at: z.string().optional().describe('Start no earlier than this ISO 8601 time, e.g. 2026-12-01T09:00:00Z'),
  delay: z.string().optional().describe('Start no earlier than this long from now, e.g. "10m" or "2h"'),
  ...scheduleFlowShape,
})

/** `schedule`: starts a workflow and returns at once. */
export function registerScheduleTool(
  server: McpServer,
  client: Promise<Zart>,
  context: ToolContext = defaultToolContext,
): void {
  server.registerTool(
    'schedule',
    {
      title: 'Schedule a workflow',
      description:
        'Start a durable workflow execution. Returns at once with its execution_id; the work goes on in the ' +
        'background, outside this conversation, and survives restarts and the end of this session. ' +
        'Check on it later with status (or a bounded wait when you need the result now). ' +
        'Pass id or idempotency_key to make retries safe: the same id and data return the existing execution (created: false).',
      inputSchema: advertised(input),
      outputSchema: scheduleResultSchema,
      annotations: {
        title: 'Schedule a workflow',
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    (args, extra) =>
      runTool(context, args, async () => {
        const { workflow, data, id, idempotency_key, run_at, delay, ...flow } = parseArguments(input, args, 'schedule')
        const zart = await client
        const result = await zart.schedule(workflow, data ?? {}, {
          ...(id !== undefined && { id }),
          ...(idempotency_key !== undefined && { idempotencyKey: idempotency_key }),
          ...(run_at !== undefined && { runAt: run_at }),
          ...(delay !== undefined && { delay }),
          ...traceparentOf(extra),
          ...flowOptions(flow),
        })
        const quoted = JSON.stringify(result.execution_id)
        const hint = result.deduplicated
          ? `Execution ${quoted}, scheduled with this dedupe key, has not started yet; it was returned instead of a new one. Check it with status.`
          : result.created
            ? `Scheduled ${workflow} as execution ${quoted}. It runs on its own and outlives this session; check it later with status (execution_id ${quoted}).`
            : `Execution ${quoted} already existed with this workflow and data, so nothing new was started; it is ${result.status}. Check it with status.`
        return toolSuccess(result, hint)
      }),
  )
}
