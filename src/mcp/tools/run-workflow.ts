import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { executionIdSchema, idempotencyKeySchema, workflowNameSchema } from '../../client/schemas.ts'
import type { Zart } from '../../client/zart.ts'
import { statusHint } from '../status-text.ts'
import { asZartError } from '../../errors.ts'
import { EXECUTION_KEY, type ExecutionTaskStore } from '../task-store.ts'
import { runTool, toolSuccess } from '../tool-result.ts'
import { advertised, parseArguments } from '../tool-schema.ts'
import type { ToolContext } from './tool-context.ts'
import { startProgress, WAIT_MAX_SECONDS, waitAndAsk } from './wait.ts'
import { traceparentOf } from '../trace-meta.ts'

const input = z.object({
  workflow: workflowNameSchema.describe('Name of the workflow to run (see list_workflows)'),
  data: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("The workflow's input, a JSON object; must match its input_schema from list_workflows"),
  id: executionIdSchema
    .optional()
    .describe('Your own execution id; running the same id and data again returns the existing execution'),
  idempotency_key: idempotencyKeySchema
    .optional()
    .describe('A key that maps to at most one execution: retrying with it never starts a second one'),
  run_at: z.string().optional().describe('Start no earlier than this ISO 8601 time, e.g. 2026-12-01T09:00:00Z'),
  delay: z.string().optional().describe('Start no earlier than this long from now, e.g. "10m" or "2h"'),
})

/**
 * `run_workflow`: starts a workflow and follows it. Called as an MCP task the task IS the
 * execution (poll it with tasks/get, collect it with tasks/result, from any session);
 * called plainly it waits up to 50 s and returns the status, or `timed_out: true`.
 */
export function registerRunWorkflowTool(
  server: McpServer,
  client: Promise<Zart>,
  context: ToolContext,
  tasks: ExecutionTaskStore,
): void {
  server.experimental.tasks.registerToolTask(
    'run_workflow',
    {
      title: 'Run a workflow',
      description:
        'Start a durable workflow execution and follow it. As a task (params.task), it returns a task at once: the task ' +
        'is the execution, survives restarts and can be read from any session; tasks/result gives the workflow output. ' +
        'While the task is input_required the execution waits for an event: answer the form, or deliver_event. ' +
        `Without a task, it waits up to ${WAIT_MAX_SECONDS} s and returns the status; if it is still going you get ` +
        'timed_out: true and the execution_id to check later with status or wait.',
      inputSchema: advertised(input),
      annotations: { title: 'Run a workflow', readOnlyHint: false, destructiveHint: false, openWorldHint: false },
      execution: { taskSupport: 'optional' },
    },
    {
      createTask: async (args, extra) => {
        const execution_id = await start(client, args, traceparentOf(extra))
        // Not through runTool when called as a task: the session that started it hears its lines.
        context.watched?.add(execution_id)
        const task = await extra.taskStore.createTask({ context: { [EXECUTION_KEY]: execution_id } })
        if (!tasks.isDirect(task.taskId)) return { task, _meta: { 'zart/execution_id': execution_id } }
        // Called without a task: the SDK would poll with no end, so the bounded wait happens here.
        const timeoutMs = WAIT_MAX_SECONDS * 1_000
        const result = await runTool(context, undefined, async () => {
          const zart = await client
          const stop = startProgress(zart, execution_id, extra, context.progressIntervalMs, timeoutMs)
          try {
            const { result: waited, note } = await waitAndAsk(server, zart, execution_id, timeoutMs, extra, context)
            return toolSuccess(waited, [note, statusHint(waited)].filter(Boolean).join(' '))
          } finally {
            stop()
          }
        })
        return { task: tasks.settleDirect(task.taskId, result) }
      },
      getTask: (_args, extra) => extra.taskStore.getTask(extra.taskId),
      getTaskResult: async (_args, extra) => (await extra.taskStore.getTaskResult(extra.taskId)) as CallToolResult,
    },
  )
}

/**
 * Schedules the run. The SDK turns what a task tool throws into bare text, so the error's
 * code is put in front of its message, as every other tool shows it.
 */
async function start(client: Promise<Zart>, args: unknown, trace: { traceparent?: string }): Promise<string> {
  try {
    const { workflow, data, id, idempotency_key, run_at, delay } = parseArguments(input, args, 'run_workflow')
    const scheduled = await (
      await client
    ).schedule(workflow, data ?? {}, {
      ...(id !== undefined && { id }),
      ...(idempotency_key !== undefined && { idempotencyKey: idempotency_key }),
      ...(run_at !== undefined && { runAt: run_at }),
      ...(delay !== undefined && { delay }),
      ...trace,
    })
    return scheduled.execution_id
  } catch (error) {
    const known = asZartError(error)
    throw known ? new Error(`${known.code}: ${known.message}`) : error
  }
}
