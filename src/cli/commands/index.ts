import type { Command } from 'commander'
import type { CliContext } from '../context.ts'
import { registerCancelCommand } from './cancel.ts'
import { registerEventCommand } from './event.ts'
import { registerInitCommand } from './init.ts'
import { registerListCommand } from './list.ts'
import { registerMcpCommand } from './mcp.ts'
import { registerMigrateCommand } from './migrate.ts'
import { registerPruneCommand } from './prune.ts'
import { registerQueueCommands } from './queue.ts'
import { registerReplayCheckCommand } from './replay-check.ts'
import { registerRepairCommands } from './repair.ts'
import { registerScheduleCommand } from './schedule.ts'
import { registerServeCommand } from './serve.ts'
import { registerStatusCommand } from './status.ts'
import { registerWaitCommand } from './wait.ts'
import { registerWorkerCommand } from './worker.ts'
import { registerWorkersCommand } from './workers.ts'
import { registerWorkflowsCommand } from './workflows.ts'

/** Adds one command (its flags, help and action) to the program. */
export type CommandRegistrar = (program: Command, context: CliContext) => void

/** Every `zart` command, in the order `zart --help` lists them. To add one, add a line. */
export const COMMANDS: readonly CommandRegistrar[] = [
  registerScheduleCommand,
  registerStatusCommand,
  registerEventCommand,
  registerWaitCommand,
  registerListCommand,
  registerCancelCommand,
  registerRepairCommands,
  registerWorkflowsCommand,
  registerWorkerCommand,
  registerWorkersCommand,
  registerQueueCommands,
  registerMigrateCommand,
  registerPruneCommand,
  registerReplayCheckCommand,
  registerMcpCommand,
  registerServeCommand,
  registerInitCommand,
]

/** Registers every command on the program. */
export function registerCommands(program: Command, context: CliContext): void {
  for (const register of COMMANDS) register(program, context)
}
