import type { Command, Option } from 'commander'
import type { CliContext } from '../context.ts'

/** Adds one command (its flags, help and action) to the program. */
export type CommandRegistrar = (program: Command, context: CliContext) => void

/** A command module: the command names it adds, and how to load its registrar. */
export interface CommandModule {
  readonly names: readonly string[]
  readonly load: () => Promise<CommandRegistrar>
}

/**
 * Every `zart` command module, in the order `zart --help` lists them. To add a command,
 * add a line: its name (as given to `.command(...)`) and an `import()` of its module.
 *
 * Start-up is paid on every CLI call and every agent session, so nothing here is loaded
 * up front. `zart status …` loads only the module that names `status`; the whole list
 * loads for `--help`, for a name not listed (commander then suggests one), and when no
 * command is given. Inside a command module, the top imports only commander,
 * `../options.ts`, `../output.ts` and types; what the action needs beyond that is loaded
 * inside the action: the client through `context.open` / `withClient` / `loadClient()`,
 * anything heavier (the MCP SDK, express, a driver, an exporter) with `await import(...)`,
 * as `mcp.ts` and `serve.ts` do.
 */
export const COMMANDS: readonly CommandModule[] = [
  { names: ['schedule'], load: async () => (await import('./schedule.ts')).registerScheduleCommand },
  { names: ['status'], load: async () => (await import('./status.ts')).registerStatusCommand },
  { names: ['event'], load: async () => (await import('./event.ts')).registerEventCommand },
  { names: ['wait'], load: async () => (await import('./wait.ts')).registerWaitCommand },
  { names: ['list'], load: async () => (await import('./list.ts')).registerListCommand },
  { names: ['cancel'], load: async () => (await import('./cancel.ts')).registerCancelCommand },
  {
    names: ['pause', 'resume', 'retry', 'rerun'],
    load: async () => (await import('./repair.ts')).registerRepairCommands,
  },
  { names: ['cron'], load: async () => (await import('./cron.ts')).registerCronCommand },
  { names: ['workflows'], load: async () => (await import('./workflows.ts')).registerWorkflowsCommand },
  { names: ['worker'], load: async () => (await import('./worker.ts')).registerWorkerCommand },
  { names: ['workers'], load: async () => (await import('./workers.ts')).registerWorkersCommand },
  { names: ['queue'], load: async () => (await import('./queue.ts')).registerQueueCommands },
  { names: ['migrate'], load: async () => (await import('./migrate.ts')).registerMigrateCommand },
  { names: ['prune'], load: async () => (await import('./prune.ts')).registerPruneCommand },
  { names: ['replay-check'], load: async () => (await import('./replay-check.ts')).registerReplayCheckCommand },
  { names: ['mcp'], load: async () => (await import('./mcp.ts')).registerMcpCommand },
  { names: ['serve'], load: async () => (await import('./serve.ts')).registerServeCommand },
  { names: ['init'], load: async () => (await import('./init.ts')).registerInitCommand },
]

/**
 * Registers on the program the commands `argv` may run: the module naming its command
 * when there is one, else every module (in list order, so `--help` keeps its order).
 */
export async function registerCommands(
  program: Command,
  context: CliContext,
  argv: readonly string[],
  modules: readonly CommandModule[] = COMMANDS,
): Promise<void> {
  const name = commandName(argv, program.options)
  const named = modules.filter((m) => name !== undefined && m.names.includes(name))
  const chosen = named.length > 0 ? named : modules
  const registrars = await Promise.all(chosen.map((m) => m.load()))
  for (const register of registrars) register(program, context)
}

/** The first argument that is not a global option or its value: the command's name. */
function commandName(argv: readonly string[], globals: readonly Option[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--') return argv[i + 1]
    if (!arg.startsWith('-')) return arg
    const option = globals.find((o) => o.long === arg || o.short === arg)
    // `--db URL` takes the next argument; `--db=URL` and flags do not.
    if (option?.required || option?.optional) i++
  }
  return undefined
}
