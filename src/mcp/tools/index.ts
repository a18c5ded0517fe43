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

type Register = (server: McpServer, client: Promise<Zart>, context: ToolContext) => void

/** The tools that only read. */
const READING: Register[] = [
  registerStatusTool,
  registerWaitTool,
  registerListExecutionsTool,
  registerListWorkflowsTool,
  registerReplayCheckTool,
  registerListWorkersTool,
  registerListSchedulesTool,
  registerListQueuesTool,
]

/** The tools that change something. */
const WRITING: Register[] = [
  registerScheduleTool,
  registerDeliverEventTool,
  registerCancelExecutionTool,
  registerRepairTools,
  registerCronTools,
  registerSetQueueTool,
]

/** Registers every zart tool on `server`, in this order; in read-only mode, only those that read. */
export function registerTools(server: McpServer, client: Promise<Zart>, context: ToolContext): void {
  for (const register of context.readOnly ? READING : [...READING, ...WRITING]) register(server, client, context)
}
