import type { Command } from 'commander'
import type * as ClientModule from '../client/zart.ts'
import type { EngineMetrics, Zart } from '../client/zart.ts'
import { ZartError } from '../errors.ts'
import { jsonLogger, silentLogger, type Logger } from '../engine/logger.ts'
import type { WorkflowDefinition } from '../engine/workflow.ts'
import { defaultDatabaseUrl } from '../storage/open-store.ts'
import type { CliIO } from './output.ts'

/** The options every command accepts (declared once, on the program). */
export interface GlobalOptions {
  db?: string
  workflows?: string[]
}

/** What each command is given besides its own flags: I/O, and a way to open the client. */
export interface CliContext {
  readonly io: CliIO
  /** The engine's log, JSON lines on stderr, at `ZART_LOG_LEVEL` (default `info`). */
  readonly logger: Logger
  /** The exit code the process ends with; commands set it for non-error outcomes. */
  exitCode: number
  /** The database URL the command's global options name. */
  databaseUrl(command: Command): string
  /** Loads the workflows the global options name. */
  workflows(command: Command): Promise<WorkflowDefinition[]>
  /** Opens the client on the global options' database and workflows; the caller closes it. */
  open(command: Command, options?: OpenOptions): Promise<Zart>
}

/** How a command opens the client. */
export interface OpenOptions {
  migrate?: boolean
  maxPayloadBytes?: number
  metrics?: EngineMetrics
  /**
   * For commands that only read (status, list, wait, workers): they load no workflow code
   * (nor the zod it imports) and no engine, and show the event schemas stored with each wait.
   */
  readOnly?: boolean
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const

function loggerFromEnv(io: CliIO): Logger {
  const level = (io.env.ZART_LOG_LEVEL ?? 'info').toLowerCase()
  if (level === 'silent' || level === 'off') return silentLogger
  const known = LEVELS.find((l) => l === level)
  if (!known) {
    throw new ZartError(
      'INVALID_INPUT',
      `ZART_LOG_LEVEL "${level}" is not a level: use debug, info, warn, error or silent`,
    )
  }
  return jsonLogger(known, (line) => io.stderr(line))
}

/** Builds the context commands share. */
export function createCliContext(io: CliIO): CliContext {
  const logger = loggerFromEnv(io)
  const globals = (command: Command) => command.optsWithGlobals<GlobalOptions>()
  const context: CliContext = {
    io,
    logger,
    exitCode: 0,
    databaseUrl: (command) => globals(command).db ?? defaultDatabaseUrl(io.env),
    async workflows(command) {
      const { loadWorkflows, workflowPaths } = await import('./load-workflows.ts')
      return loadWorkflows(workflowPaths(globals(command).workflows ?? [], io.env, io.cwd))
    },
    async open(command, options = {}) {
      // The client (engine, storage, zod schemas) is loaded here, when a command first
      // needs it, not when the program starts: `zart --help` and `zart init` never pay for it.
      const [{ createZart }, workflows] = await Promise.all([
        loadClient(),
        options.readOnly ? [] : context.workflows(command),
      ])
      return createZart({
        db: context.databaseUrl(command),
        workflows,
        logger,
        migrate: options.migrate ?? true,
        ...(options.readOnly && { worker: false }),
        ...(options.maxPayloadBytes !== undefined && { maxPayloadBytes: options.maxPayloadBytes }),
        ...(options.metrics && { metrics: options.metrics }),
      })
    },
  }
  return context
}

/**
 * Imports the client module. Commands that need more than `context.open` gives (the MCP
 * server, the HTTP server) import it the same way, inside their action.
 */
export function loadClient(): Promise<typeof ClientModule> {
  return import('../client/zart.ts')
}

/** Runs `fn` with an open client and closes it afterwards, whatever happens. */
export async function withClient<T>(
  context: CliContext,
  command: Command,
  fn: (zart: Zart) => Promise<T>,
  options?: OpenOptions,
): Promise<T> {
  const zart = await context.open(command, options)
  try {
    return await fn(zart)
  } finally {
    await zart.close()
  }
}
