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
export function registerTools(server: McpServer, zart: Zart, context: ToolContext): void {
  registerStatusTool(server, zart, context)
  registerWaitTool(server, zart, context)
  registerListExecutionsTool(server, zart, context)
  registerListWorkflowsTool(server, zart, context)
  registerReplayCheckTool(server, zart, context)
  registerListWorkersTool(server, zart, context)
  registerListSchedulesTool(server, zart, context)
  registerListQueuesTool(server, zart, context)
  if (context.readOnly) return
  registerScheduleTool(server, zart, context)
  registerDeliverEventTool(server, zart, context)
  registerCancelExecutionTool(server, zart, context)
  registerRepairTools(server, zart, context)
  registerCronTools(server, zart, context)
  registerSetQueueTool(server, zart, context)
}
