import type { Command } from 'commander'
import type { CliContext } from '../context.ts'
import { EXIT } from '../exit-codes.ts'
import { duration, positiveInt, retentionOption } from '../options.ts'
import { untilSignal } from '../until-signal.ts'

interface WorkerFlags {
  concurrency?: number
  lease?: number
  grace?: number
  poll?: number
  retention?: number
  pinVersions?: boolean
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
    .addOption(retentionOption())
    .action(async (flags: WorkerFlags, command: Command) => {
      const { logger } = context
      const zart = await context.open(command)
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
      process.off('SIGINT', force)
      process.off('SIGTERM', force)
      logger.info('worker stopped', { worker: worker.id })
    })
}
