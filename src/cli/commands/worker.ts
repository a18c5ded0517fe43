import { InvalidArgumentError, Option, type Command } from 'commander'
import type { CliContext } from '../context.ts'
import { EXIT } from '../exit-codes.ts'
import { duration, positiveInt, retentionOption } from '../options.ts'
import { startTracing } from '../tracing.ts'
import { untilSignal } from '../until-signal.ts'

interface WorkerFlags {
  concurrency?: number
  lease?: number
  grace?: number
  poll?: number
  retention?: number
  pinVersions?: boolean
  metricsPort?: number
  metricsHost: string
  token?: string
}

/**
 * `zart worker`: runs workflows until SIGINT or SIGTERM, then stops claiming, lets running
 * steps finish within the grace period and hands back its leases. Logs go to stderr.
 */
export function registerWorkerCommand(program: Command, context: CliContext): void {
  program
    .command('worker')
    .description('run workflows from the database until stopped (SIGINT/SIGTERM); many workers may share one database')
    .option('--concurrency <n>', 'executions run at once (default 64)', positiveInt)
    .option('--lease <duration>', 'how long a claim holds without a heartbeat, e.g. 30s (default 30s)', duration)
    .option(
      '--grace <duration>',
      'on stop, how long running workflows get to reach a durable point (default 10s)',
      duration,
    )
    .option(
      '--poll <duration>',
      'how often an idle worker looks for work made by other processes (default 50ms)',
      duration,
    )
    .option(
      '--pin-versions',
      'claim only executions started under the versions of the workflows loaded here, so old ones finish on old code',
    )
    .option(
      '--metrics-port <n>',
      'serve Prometheus metrics at http://127.0.0.1:N/metrics (0 for any free port)',
      metricsPort,
    )
    .option('--metrics-host <host>', 'interface of --metrics-port; anything but loopback requires --token', '127.0.0.1')
    .addOption(
      new Option('--token <token>', 'with --metrics-port, require Authorization: Bearer <token> to scrape').env(
        'ZART_TOKEN',
      ),
    )
    .addOption(retentionOption())
    .action(async (flags: WorkerFlags, command: Command) => {
      const { logger } = context
      const stopTracing = await startTracing(context, 'zart worker')
      // prom-client is loaded only when metrics are asked for: it would slow the start otherwise.
      const metrics =
        flags.metricsPort === undefined
          ? undefined
          : await Promise.all([import('../../metrics/prometheus.ts'), import('../../metrics/endpoint.ts')]).then(
              ([{ PrometheusMetrics }, endpoint]) => ({ registry: new PrometheusMetrics(), endpoint }),
            )
      const zart = await context.open(command, metrics ? { metrics: metrics.registry.sink } : {})
      let metricsServer: { url: string; close(): Promise<void> } | undefined
      if (metrics && flags.metricsPort !== undefined) {
        metrics.registry.watch(zart)
        try {
          metricsServer = await metrics.endpoint.startMetricsServer({
            metrics: metrics.registry,
            host: flags.metricsHost,
            port: flags.metricsPort,
            token: flags.token,
          })
        } catch (error) {
          await zart.close()
          throw error
        }
      }
      // Listen for signals before saying we are up: whoever reads that line may signal at once.
      const stopSignal = untilSignal()
      const worker = zart.startWorker({
        ...(flags.concurrency !== undefined && { concurrency: flags.concurrency }),
        ...(flags.lease !== undefined && { leaseMs: flags.lease }),
        ...(flags.grace !== undefined && { graceMs: flags.grace }),
        ...(flags.poll !== undefined && { pollMs: flags.poll }),
        ...(flags.pinVersions === true && { pinVersions: true }),
      })
      logger.info('worker started', {
        worker: worker.id,
        pid: process.pid,
        db: context.databaseUrl(command),
        workflows: zart.workflows().map((w) => w.name),
        ...(metricsServer && { metrics: metricsServer.url }),
      })
      if (flags.retention !== undefined) zart.startRetention(flags.retention)
      // The worker's own timers may all be unref'd while it is idle; this one holds the process open.
      const keepAlive = setInterval(() => {}, 1 << 30)
      const signal = await stopSignal
      clearInterval(keepAlive)
      logger.info('stopping: no new claims; running workflows get the grace period', { worker: worker.id, signal })
      // A second signal means "now": leases left behind expire and another worker resumes the work.
      const force = () => {
        logger.warn('stopping at once; unreleased leases will expire', { worker: worker.id })
        process.exit(EXIT.INTERRUPTED)
      }
      process.once('SIGINT', force)
      process.once('SIGTERM', force)
      await zart.close()
      await metricsServer?.close()
      await stopTracing()
      process.off('SIGINT', force)
      process.off('SIGTERM', force)
      logger.info('worker stopped', { worker: worker.id })
    })
}

/** Commander parser for --metrics-port: a port number, 0 for any free one. */
function metricsPort(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || n > 65_535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535, e.g. --metrics-port 9464')
  return n
}
