import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { Zart } from '../../client/zart.ts'
import { registerCancelExecutionTool } from './cancel-execution.ts'
import { registerCronTools, registerListSchedulesTool } from './cron.ts'
import { registerDeliverEventTool } from './deliver-event.ts'
import { registerListExecutionsTool } from './list-executions.ts'
import { registerListWorkflowsTool } from './list-workflows.ts'
import { registerReplayCheckTool } from './replay-check.ts'
import { registerListWorkersTool } from './list-workers.ts'
import { registerRepairTools } from './repair.ts'
import { registerListQueuesTool, registerSetQueueTool } from './queues.ts'
import { registerScheduleTool } from './schedule.ts'
import { registerStatusTool } from './status.ts'
import type { ToolContext } from './tool-context.ts'
import { registerWaitTool } from './wait.ts'

/** Registers every zart tool on `server`; in read-only mode, only those that read. */
export function registerTools(server: McpServer, client: Promise<Zart>, context: ToolContext): void {
  registerStatusTool(server, client, context)
  registerWaitTool(server, client, context)
  registerListExecutionsTool(server, client, context)
  registerListWorkflowsTool(server, client, context)
  registerReplayCheckTool(server, client, context)
  registerListWorkersTool(server, client, context)
  registerListSchedulesTool(server, client, context)
  registerListQueuesTool(server, client, context)
  if (context.readOnly) return
  registerScheduleTool(server, client, context)
  registerDeliverEventTool(server, client, context)
  registerCancelExecutionTool(server, client, context)
  registerRepairTools(server, client, context)
  registerCronTools(server, client, context)
  registerSetQueueTool(server, client, context)
}
