import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'
import { executionIdSchema } from '../../client/schemas.ts'
import type { Zart } from '../../client/zart.ts'
import { executionResultSchema } from '../output-schemas.ts'
import { runTool, toolSuccess } from '../tool-result.ts'
import { advertised, parseArguments } from '../tool-schema.ts'
import { defaultToolContext, type ToolContext } from './tool-context.ts'

const byId = z.object({ execution_id: executionIdSchema.describe('The execution') })
const rerunInput = byId.extend({
  from_step: z.string().describe('The step to run again, and everything after it (a key from status --steps)'),
  data: z.record(z.string(), z.unknown()).optional().describe('New input, a JSON object (default: the original input)'),
  id: z.string().optional().describe('Id of the new execution (default: generated)'),
})
const retryInput = byId.extend({
  timeout: z.string().optional().describe('A new deadline from now, e.g. "1h" (default: the workflow\'s timeout)'),
})

/** Repairs that change an execution's course: marked destructive, as the issue asks of them. */
const CHANGES = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false }

/** `pause_execution`, `resume_execution`, `retry_execution`: the repairs of one execution. */
export function registerRepairTools(
  server: McpServer,
  client: Promise<Zart>,
  context: ToolContext = defaultToolContext,
): void {
  server.registerTool(
    'pause_execution',
    {
      title: 'Pause an execution',
      description:
        'Pause an unfinished execution: no worker claims it until resume_execution; a step running now finishes and ' +
        'is recorded first. Only when the person asks.',
      inputSchema: advertised(byId),
      outputSchema: executionResultSchema,
      annotations: { title: 'Pause an execution', ...CHANGES },
    },
    (args) =>
      runTool(context, args, async () => {
        const zart = await client
        const view = await zart.pause(parseArguments(byId, args, 'pause_execution').execution_id)
        return toolSuccess(view, `Execution ${JSON.stringify(view.id)} is paused; resume it with resume_execution.`)
      }),
  )
  server.registerTool(
    'resume_execution',
    {
      title: 'Resume an execution',
      description:
        'Resume an execution paused with pause_execution: workers claim it again and it goes on as soon as it is due.',
      inputSchema: advertised(byId),
      outputSchema: executionResultSchema,
      annotations: { title: 'Resume an execution', ...CHANGES },
    },
    (args) =>
      runTool(context, args, async () => {
        const zart = await client
        const view = await zart.resume(parseArguments(byId, args, 'resume_execution').execution_id)
        return toolSuccess(view, `Execution ${JSON.stringify(view.id)} is resumed.`)
      }),
  )
  server.registerTool(
    'retry_execution',
    {
      title: 'Retry an execution',
      description:
        'Run a failed, timed_out or cancelled execution again from where it stopped: completed steps are kept and ' +
        'not run again; the failed step runs again. Only when the person asks, after the cause was fixed.',
      inputSchema: advertised(retryInput),
      outputSchema: executionResultSchema,
      annotations: { title: 'Retry an execution', ...CHANGES },
    },
    (args) =>
      runTool(context, args, async () => {
        const { execution_id, timeout } = parseArguments(retryInput, args, 'retry_execution')
        const zart = await client
        const view = await zart.retry(execution_id, timeout === undefined ? {} : { timeout })
        return toolSuccess(view, `Execution ${JSON.stringify(view.id)} runs again; check it later with status.`)
      }),
  )
  server.registerTool(
    'rerun_execution',
    {
      title: 'Rerun an execution from a step',
      description:
        'Fork a new execution from an existing one: the steps before from_step are replayed from its history (not ' +
        'run again), from_step and the rest run anew, with the same input or new data. Both stay visible; the new ' +
        'one names the original in rerun_of. Only when the person asks.',
      inputSchema: advertised(rerunInput),
      outputSchema: executionResultSchema,
      annotations: { title: 'Rerun an execution from a step', ...CHANGES },
    },
    (args) =>
      runTool(context, args, async () => {
        const { execution_id, from_step, data, id } = parseArguments(rerunInput, args, 'rerun_execution')
        const zart = await client
        const view = await zart.rerun(execution_id, {
          fromStep: from_step,
          ...(data !== undefined && { data }),
          ...(id !== undefined && { id }),
        })
        return toolSuccess(
          view,
          `Execution ${JSON.stringify(view.id)} reruns ${JSON.stringify(execution_id)} from step ${JSON.stringify(from_step)}.`,
        )
      }),
  )
}
