import { Option, InvalidArgumentError, type Command } from 'commander'
import type { CliContext } from '../context.ts'
import { collect, duration, positiveInt, retentionOption, seconds } from '../options.ts'
import { startTracing } from '../tracing.ts'
import { untilSignal } from '../until-signal.ts'

interface ServeFlags {
  host: string
  port: number
  token?: string
  allowHost?: string[]
  allowOrigin?: string[]
  sessionIdle?: number
  maxBody?: number
  maxPayload?: number
  maxWaits?: number
  maxWait?: number
  grace?: number
  retention?: number
  readOnly?: boolean
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
    .description(
      'serve MCP over HTTP (/mcp, legacy SSE at /sse) and the REST API (/api/v1), and run a worker, until SIGINT/SIGTERM',
    )
    .option('--host <host>', 'interface to listen on; anything but loopback requires --token', '127.0.0.1')
    .option('--port <n>', `port to listen on, 0 for any free one (default ${DEFAULT_PORT})`, port, DEFAULT_PORT)
    .addOption(
      new Option('--token <token>', 'require Authorization: Bearer <token> on every request but /healthz').env(
        'ZART_TOKEN',
      ),
    )
    .option('--allow-host <name>', 'a host name accepted in the Host header (may repeat)', collect)
    .option('--allow-origin <origin>', 'a browser origin allowed besides loopback ones (may repeat)', collect)
    .option('--read-only', 'MCP offers only the tools that read (status, wait, lists): agents may watch but not act')
    .option('--session-idle <duration>', 'close an MCP session idle this long (default 30m)', duration)
    .option('--max-body <size>', 'largest REST request body, e.g. 512kb, 4mb (default 2mb)', byteSize)
    .option('--max-payload <size>', 'largest schedule or event data, as JSON (default 1mb)', byteSize)
    .option('--max-waits <n>', 'REST long-poll waits open at once; more get 429 (default 100)', positiveInt)
    .option('--max-wait <seconds>', 'ceiling of the REST wait timeout (default 60)', seconds)
    .option(
      '--grace <duration>',
      'on SIGTERM/SIGINT, time for requests and running workflows to finish (default 10s)',
      duration,
    )
    .addOption(retentionOption())
    .action(async (flags: ServeFlags, command: Command) => {
      const { logger } = context
      // Loaded here, not at the top: express, the MCP SDK and prom-client would slow every
      // other zart command's start.
      const [
        { startHttpServer },
        { createRestApi, readyHandler },
        { PrometheusMetrics },
        { metricsHandler },
        stopTracing,
      ] = await Promise.all([
        import('../../http/server.ts'),
        import('../../http/rest/index.ts'),
        import('../../metrics/prometheus.ts'),
        import('../../metrics/endpoint.ts'),
        startTracing(context, 'zart serve'),
      ])
      const metrics = new PrometheusMetrics()
      const zart = await context.open(command, {
        metrics: metrics.sink,
        ...(flags.maxPayload !== undefined && { maxPayloadBytes: flags.maxPayload }),
      })
      metrics.watch(zart)
      const graceMs = flags.grace ?? 10_000
      if (flags.retention !== undefined) zart.startRetention(flags.retention)
      try {
        const worker = zart.startWorker({ graceMs })
        // Known once the server listens (the port may be 0); until then no link is given.
        const listening: { base?: string } = {}
        const dashboardUrl = (id: string) =>
          listening.base === undefined ? undefined : `${listening.base}/executions/${encodeURIComponent(id)}`
        const rest = createRestApi(zart, {
          logger,
          dashboardUrl,
          limits: {
            ...(flags.maxBody !== undefined && { maxBodyBytes: flags.maxBody }),
            ...(flags.maxWaits !== undefined && { maxWaits: flags.maxWaits }),
            ...(flags.maxWait !== undefined && { maxWaitSeconds: Math.max(1, Math.round(flags.maxWait / 1000)) }),
          },
        })
        const http = await startHttpServer({
          zart,
          host: flags.host,
          port: flags.port,
          logger,
          ...(flags.token !== undefined && { token: flags.token }),
          ...(flags.allowHost && { allowedHosts: flags.allowHost }),
          ...(flags.allowOrigin && { allowedOrigins: flags.allowOrigin }),
          mcp: {
            dashboardUrl,
            readOnly: flags.readOnly === true,
            ...(flags.sessionIdle !== undefined && { sessionIdleMs: flags.sessionIdle }),
          },
          dashboard: true,
          // The REST API (/api/v1) mounts here, on the same port and behind the same checks.
          routes: [
            ['/api/v1', rest],
            ['/readyz', readyHandler(zart, logger)],
            ['/metrics', metricsHandler(metrics)],
          ],
        })
        // Listen for signals before saying we are up: whoever reads that line may signal at once.
        const stopSignal = untilSignal()
        const dashboardBase = publicBase(http.url, flags)
        listening.base = dashboardBase
        context.io.stdout(
          `zart serve: MCP at ${http.url}/mcp (legacy SSE at ${http.url}/sse), REST at ${http.url}/api/v1\n`,
        )
        context.io.stdout(`zart serve: dashboard at ${dashboardBase}/\n`)
        // A one-time code, not the token: the link may end up in a terminal log or history.
        const login = http.dashboard?.oneTimeLoginPath()
        if (login)
          context.io.stdout(
            `zart serve: sign in to the dashboard once at ${dashboardBase}${login} (one-time link, valid 15 minutes)\n`,
          )
        logger.info('http server listening', {
          url: http.url,
          worker: worker.id,
          pid: process.pid,
          db: context.databaseUrl(command),
        })
        const signal = await stopSignal
        // Stop accepting, let requests in flight finish (open waits answer at once), then
        // end MCP sessions; zart.close() below gives running workflows the grace period,
        // hands back their leases and closes the database.
        logger.info('http server stopping', { signal, grace_ms: graceMs })
        http.server.close()
        await rest.drain(graceMs)
        await http.close()
      } finally {
        await zart.close()
        await stopTracing()
        logger.info('http server stopped', { pid: process.pid })
      }
    })
}

/**
 * The base URL people reach this server by: the listening address, or on a wildcard
 * address (0.0.0.0, ::) the first --allow-host name, since the wildcard is no address
 * a browser can open.
 */
function publicBase(url: string, flags: ServeFlags): string {
  const wildcard = flags.host === '0.0.0.0' || flags.host === '::' || flags.host === '[::]'
  const name = flags.allowHost?.[0]
  return wildcard && name !== undefined ? `http://${name}:${new URL(url).port}` : url
}

/** Commander parser for a size: bytes, or a number with kb / mb (1024-based). */
function byteSize(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb)?$/i.exec(value.trim())
  const unit = (match?.[2] ?? 'b').toLowerCase()
  const n = Math.round(Number(match?.[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1))
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a size such as 65536, 512kb or 4mb')
  return n
}

function port(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || n > 65_535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535')
  return n
}
