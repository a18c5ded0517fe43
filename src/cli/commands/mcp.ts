import type { Command } from 'commander'
import { asZartError, ZartError } from '../../errors.ts'
import type { CliContext } from '../context.ts'
import { startTracing } from '../tracing.ts'
import { untilSignal } from '../until-signal.ts'

/**
 * `zart mcp`: MCP over stdio for an agent that starts zart itself (Claude Desktop, Claude
 * Code, VS Code...), with a worker in the same process. stdout carries MCP messages only;
 * logs go to stderr. Ends when the client closes stdin, or on SIGINT/SIGTERM.
 */
export function registerMcpCommand(program: Command, context: CliContext): void {
  program
    .command('mcp')
    .description('serve MCP over stdio for an agent, and run a worker (logs on stderr)')
    .option(
      '--read-only',
      'offer only the tools that read (status, wait, lists): for agents that watch but may not act',
    )
    .action(async (flags: { readOnly?: boolean }, command: Command) => {
      const { logger } = context
      // Signals are heard before the transport connects: it may answer the agent's first
      // request at once, and a SIGTERM right after must still stop cleanly (leases handed back).
      const stopSignal = untilSignal()
      const stopTracing = await startTracing(context, 'zart mcp')
      try {
        // Loaded here, not at the top: the MCP SDK would slow every other zart command's start.
        const { serveStdio } = await import('../../mcp/stdio.ts')
        // The client (workflows loaded, store opened and migrated) opens once the server
        // listens, not while the SDK loads: both are work for the one thread, and the agent's
        // first requests (initialize, tools/list) need only the SDK. Each tool call waits for
        // the client. The worker starts as soon as it is open, before those calls go on:
        // what they schedule, this worker can take at once.
        let listening!: () => void
        const opening = new Promise<void>((resolve) => (listening = resolve)).then(() => context.open(command))
        const working = opening.then((zart) => ({ zart, worker: zart.startWorker() }))
        const opened = opening.catch(() => undefined) // for closing it, whatever happens
        const connection = await serveStdio(
          working.then(({ zart }) => zart, openFailure),
          { logger, readOnly: flags.readOnly === true },
        )
        listening()
        try {
          const { zart, worker } = await working.catch(async (error: unknown) => {
            // Calls already waiting for the client, and any read in this turn, get its error
            // as their answer first; then the process ends as it did before it served first.
            await new Promise(setImmediate)
            throw error
          })
          logger.info('mcp server ready on stdio', {
            worker: worker.id,
            pid: process.pid,
            db: context.databaseUrl(command),
            workflows: zart.workflows().map((w) => w.name),
          })
          const why = await Promise.race([connection.closed.then(() => 'stdin closed' as const), stopSignal])
          logger.info('mcp server stopping', { reason: why })
        } finally {
          await connection.close()
          // Hands back this worker's leases: workflows pause durably until some worker runs again.
          await (await opened)?.close()
        }
      } finally {
        await stopTracing()
      }
    })
}

/**
 * What each tool call is told when the client could not open: a ZartError as it is
 * (MIGRATIONS_PENDING says to migrate...), anything else with its message, not as an
 * internal error to retry: this process is stopping, with the same message on stderr.
 */
function openFailure(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error)
  throw (
    asZartError(error) ??
    new ZartError('INTERNAL', `zart mcp could not start (${message}) and is stopping: fix that, then start it again`)
  )
}
