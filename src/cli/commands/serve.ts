import { Option, InvalidArgumentError, type Command } from 'commander'
import type { CliContext } from '../context.ts'
import { collect, duration } from '../options.ts'
import { untilSignal } from '../until-signal.ts'

interface ServeFlags {
  host: string
  port: number
  token?: string
  allowHost?: string[]
  allowOrigin?: string[]
  sessionIdle?: number
}

/** The default port of `zart serve` (kept here so `zart --help` needs no HTTP modules). */
const DEFAULT_PORT = 7420

/**
 * `zart serve`: the HTTP front door on one port (MCP over Streamable HTTP at `/mcp`,
 * legacy SSE at `/sse` + `/messages`, `/healthz`), with a worker in the same process.
 * Listens on 127.0.0.1 unless told otherwise; any other interface needs a token.
 */
export function registerServeCommand(program: Command, context: CliContext): void {
  program
    .command('serve')
    .description('serve MCP over HTTP (/mcp, and legacy SSE at /sse) and run a worker, until SIGINT/SIGTERM')
    .option('--host <host>', 'interface to listen on; anything but loopback requires --token', '127.0.0.1')
    .option('--port <n>', `port to listen on, 0 for any free one (default ${DEFAULT_PORT})`, port, DEFAULT_PORT)
    .addOption(new Option('--token <token>', 'require Authorization: Bearer <token> on every request but /healthz').env('ZART_TOKEN'))
    .option('--allow-host <name>', 'a host name accepted in the Host header (may repeat)', collect)
    .option('--allow-origin <origin>', 'a browser origin allowed besides loopback ones (may repeat)', collect)
    .option('--session-idle <duration>', 'close an MCP session idle this long (default 30m)', duration)
    .action(async (flags: ServeFlags, command: Command) => {
      const { logger } = context
      // Loaded here, not at the top: express and the MCP SDK would slow every other zart command's start.
      const { startHttpServer } = await import('../../http/server.ts')
      const zart = await context.open(command)
      try {
        const worker = zart.startWorker()
        const http = await startHttpServer({
          zart,
          host: flags.host,
          port: flags.port,
          logger,
          ...(flags.token !== undefined && { token: flags.token }),
          ...(flags.allowHost && { allowedHosts: flags.allowHost }),
          ...(flags.allowOrigin && { allowedOrigins: flags.allowOrigin }),
          mcp: flags.sessionIdle === undefined ? {} : { sessionIdleMs: flags.sessionIdle },
          // The REST API (/api/v1) mounts here, on the same port and behind the same checks.
          routes: [],
        })
        context.io.stdout(`zart serve: MCP at ${http.url}/mcp (legacy SSE at ${http.url}/sse)\n`)
        logger.info('http server listening', { url: http.url, worker: worker.id, pid: process.pid, db: context.databaseUrl(command) })
        const signal = await untilSignal()
        logger.info('http server stopping', { signal })
        await http.close()
      } finally {
        await zart.close()
      }
    })
}

function port(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || n > 65_535) throw new InvalidArgumentError('expected a port number from 0 to 65535')
  return n
}
