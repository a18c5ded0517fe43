import { createRequire } from 'node:module'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { Zart } from '../client/zart.ts'
import { silentLogger, type Logger } from '../engine/logger.ts'
import { registerExecutionIdCompletion } from './complete-execution-id.ts'
import { forwardLogs } from './log-forwarding.ts'
import { registerExecutionResources } from './resources.ts'
import { handleTaskResults } from './task-result.ts'
import { ExecutionTaskStore } from './task-store.ts'
import { registerRunWorkflowTool } from './tools/run-workflow.ts'
import { defaultToolContext } from './tools/tool-context.ts'
import { registerTools } from './tools/index.ts'
import { WatchedExecutions } from './watched-executions.ts'

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }

/**
 * Sent at initialize: the shape of the work in a few lines, so an agent neither blocks
 * after scheduling nor forgets that executions outlive its session.
 */
export const INSTRUCTIONS = [
  'zart runs durable workflows whose state lives in a database, outside this conversation.',
  '- run_workflow starts one and follows it: as an MCP task (the task is the execution, readable from any session), or without a task waiting at most 50 s.',
  '- schedule starts an execution and returns at once with its execution_id; it never waits for the work.',
  '- Check later with status (instant), or with wait (bounded: at most 50 s, then it returns timed_out: true, not an error).',
  '- An execution with status "waiting" and an event entry in waiting_for needs deliver_event to go on (any one listed event resumes it); when it is a decision such as an approval, ask the person first and send data matching the schema of that entry.',
  '- Executions outlive this session: keep the execution_id, or find it later with list_executions.',
  '- list_workflows shows what can be scheduled and the data each workflow accepts.',
  '- For recurring work, add_schedule starts a workflow on a cron expression (one execution per tick, whichever worker runs); list_schedules shows the schedules and their next tick.',
].join('\n')

export interface McpServerOptions {
  /**
   * The process's logger: tool failures that are not the caller's fault are logged here
   * rather than put in a tool result, and each line it is given (the engine's too, when it
   * shares this logger) about an execution the session started or named is also sent to
   * a client that asked with `logging/setLevel`.
   */
  logger?: Logger
  /** How often `wait` sends progress when asked, in ms (default 3000). */
  progressIntervalMs?: number
  /** Let `wait` ask the person for a waited-for event when the client supports elicitation (default true). */
  elicitation?: boolean
  /** How often subscribed execution resources are re-read, in ms (default 1000). */
  resourcePollMs?: number
  /** The dashboard page of an execution, when one is served; the `status` tool adds it as `dashboard_url`. */
  dashboardUrl?: (executionId: string) => string | undefined
  /**
   * Only the tools that read (status, wait, list_executions, list_workflows, list_workers,
   * list_queues, replay_check) and task reads: for agents that may watch but not act.
   */
  readOnly?: boolean
  /**
   * Who this connection's MCP tasks belong to: a digest of its bearer token over HTTP
   * (see `taskOwner`), '' (the default) without one. Tasks of another owner are not found.
   */
  taskOwner?: string
}

/**
 * Builds an MCP server exposing `zart`: the tools, the execution resources, and the
 * instructions. Make one per connection (stdio process, HTTP session); they all share
 * one client.
 *
 * `zart` may be a client still opening (its workflows loading, its store migrating): no
 * tool needs it to be offered, so `initialize` and `tools/list` are answered at once, and
 * each call waits for it. A client that fails to open fails each call with its error.
 *
 * @example
 * const server = createMcpServer(zart, { logger })
 * await server.connect(new StdioServerTransport())
 */
export function createMcpServer(zart: Zart | Promise<Zart>, options: McpServerOptions = {}): McpServer {
  const client = Promise.resolve(zart)
  // Its failure is the caller's to handle; here it only fails the calls that wait for it.
  client.catch(() => undefined)
  const logger = options.logger ?? silentLogger
  const owner = options.taskOwner ?? ''
  const tasks = new ExecutionTaskStore(client, owner)
  const server = new McpServer(
    { name: 'zart', title: 'zart durable execution', version },
    {
      instructions: INSTRUCTIONS,
      // MCP tasks (2025-11-25): one adapter per wire format over the same store; a later
      // revision (server-directed tasks, tasks/update) would be another adapter here.
      capabilities: { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
      taskStore: tasks,
    },
  )
  // The executions this session started or named: log lines about others are not its to hear.
  const watched = new WatchedExecutions()
  const context = {
    logger,
    watched,
    progressIntervalMs: options.progressIntervalMs ?? defaultToolContext.progressIntervalMs,
    elicitation: options.elicitation ?? defaultToolContext.elicitation,
    dashboardUrl: options.dashboardUrl,
    readOnly: options.readOnly,
  }
  registerTools(server, client, context)
  if (!options.readOnly) registerRunWorkflowTool(server, client, context, tasks)
  handleTaskResults(server, client, owner, context.elicitation, watched)
  registerExecutionResources(server, client, { logger, pollMs: options.resourcePollMs ?? 1_000, watched })
  registerExecutionIdCompletion(server, client, logger)
  forwardLogs(server, logger, watched)
  return server
}
