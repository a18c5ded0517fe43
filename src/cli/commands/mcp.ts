import type { Command } from 'commander'
import type { Worker } from '../../engine/worker.ts'
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
      // Loaded here, not at the top: the MCP SDK would slow every other zart command's start.
      // Tracing is on (when asked) before the client opens; opening overlaps reading the SDK's files.
      const [{ serveStdio }, [stopTracing, zart]] = await Promise.all([
        import('../../mcp/stdio.ts'),
        startTracing(context, 'zart mcp').then(async (stop) => [stop, await context.open(command)] as const),
      ])
      try {
        // Signals are heard before the transport connects: it may answer the agent's first
        // request at once, and a SIGTERM right after must still stop cleanly (leases handed back).
        const stopSignal = untilSignal()
        const connection = await serveStdio(zart, { logger, readOnly: flags.readOnly === true })
        // The worker starts once the transport listens, a turn of the event loop later: the
        // agent's first requests (initialize, tools/list), already waiting on stdin, are read
        // first, and do not wait behind the worker's first writes (its row, synced to disk).
        const worker = await new Promise<Worker>((resolve) => setImmediate(() => resolve(zart.startWorker())))
        logger.info('mcp server ready on stdio', {
          worker: worker.id,
          pid: process.pid,
          db: context.databaseUrl(command),
          workflows: zart.workflows().map((w) => w.name),
        })
        const why = await Promise.race([connection.closed.then(() => 'stdin closed' as const), stopSignal])
        logger.info('mcp server stopping', { reason: why })
        await connection.close()
      } finally {
        // Hands back this worker's leases: workflows pause durably until some worker runs again.
        await zart.close()
        await stopTracing()
      }
    })
}
