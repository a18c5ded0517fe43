import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import {
  ErrorCode,
  GetTaskPayloadRequestSchema,
  McpError,
  RELATED_TASK_META_KEY,
  type GetTaskPayloadResult,
} from '@modelcontextprotocol/sdk/types.js'
import type { Zart } from '../client/zart.ts'
import { isZartError } from '../errors.ts'
import { askForEvent, canElicit, eventForm } from './elicit-event.ts'
import { awaitedEvent, isFinished, taskResult } from './task-state.ts'
import type { WatchedExecutions } from './watched-executions.ts'

/** How long `tasks/result` waits between looks at an unfinished execution, in ms. */
const LOOK_MS = 1_000

/**
 * `tasks/result` for tasks that are executions. The SDK's own handler waits for a handler
 * running in this process; ours follows the execution in the database, so the result can
 * be collected from any session and any server process. While the execution waits for an
 * event with a form-shaped schema and the client can show forms, the person is asked
 * (once per wait) on this request's stream, and the answer is delivered as that event.
 * The session collecting a task watches its execution (hears its log lines).
 */
export function handleTaskResults(
  server: McpServer,
  client: Promise<Zart>,
  owner: string,
  elicitation: boolean,
  watched?: WatchedExecutions,
): void {
  server.server.setRequestHandler(GetTaskPayloadRequestSchema, async (request, extra) => {
    const { taskId } = request.params
    const asked = new Set<string>()
    const zart = await client
    for (;;) {
      const record = await zart.getTask(taskId, owner)
      const view = record && (await zart.status(record.executionId).catch(() => null))
      if (!record || !view) throw new McpError(ErrorCode.InvalidParams, `Task not found: ${taskId}`)
      watched?.add(view.id)
      if (isFinished(view)) {
        const result = taskResult(view)
        return { ...result, _meta: { [RELATED_TASK_META_KEY]: { taskId } } } as GetTaskPayloadResult
      }
      const awaited = awaitedEvent(view)
      const form = awaited && elicitation && canElicit(server) ? eventForm(awaited.schema) : null
      const key = `${awaited?.event}@${view.updated_at}`
      if (awaited && form && !asked.has(key)) {
        asked.add(key)
        const answer = await askForEvent(server, extra, view, awaited.event, form, 10 * 60_000)
        if (answer !== null) {
          await zart.deliverEvent(view.id, awaited.event, answer).catch((error: unknown) => {
            // Refused (say, ended meanwhile): the next look reports how things stand.
            if (!isZartError(error)) throw error
          })
        }
        continue
      }
      await zart.wait(view.id, { timeout: LOOK_MS, signal: extra.signal })
      if (extra.signal.aborted) throw new McpError(ErrorCode.InvalidRequest, 'Request cancelled')
    }
  })
}
