import type { Command } from 'commander'
import { withClient, type CliContext } from '../context.ts'
import { duration, number } from '../options.ts'
import { formatJson } from '../output.ts'
import type { QueueView } from '../../client/types.ts'

interface SetFlags {
  concurrency?: number | string
  keyConcurrency?: number | string
  rateLimit?: number | string
  ratePeriod?: number
  json?: boolean
}

/** One line per queue: its name and limits. */
function describe(queue: QueueView): string {
  const parts = [
    `concurrency: ${queue.concurrency ?? 'none'}`,
    `per key: ${queue.key_concurrency ?? 'none'}`,
    `rate: ${queue.rate_limit ? `${queue.rate_limit.limit} per ${queue.rate_limit.period_ms} ms` : 'none'}`,
  ]
  return `${queue.name} | ${parts.join(' | ')}\n`
}

/**
 * `zart queue set <name> [limits]` and `zart queue list`: queue limits stored in the
 * database, enforced by every worker's claim (docs/queues.md). Limits are checked by the
 * client, so a bad one reads the same here as at every other door.
 */
export function registerQueueCommands(program: Command, context: CliContext): void {
  const queue = program.command('queue').description('define queues: concurrency, per-key and rate limits')

  queue
    .command('set')
    .description('create or change a queue; a limit left out is no limit')
    .argument('<name>', 'queue name')
    .option('--concurrency <n>', 'at most this many of its executions running at once', number)
    .option('--key-concurrency <n>', 'at most this many running at once per concurrency key', number)
    .option('--rate-limit <n>', 'at most this many started per --rate-period', number)
    .option('--rate-period <duration>', 'the rate limit window, e.g. 1s, 1m, 1h', duration)
    .option('--json', 'print the queue as JSON')
    .action(async (name: string, flags: SetFlags, command: Command) => {
      const rate =
        flags.rateLimit === undefined && flags.ratePeriod === undefined
          ? {}
          : { rateLimit: { limit: flags.rateLimit as number, period: flags.ratePeriod as number } }
      const view = await withClient(context, command, (zart) =>
        zart.setQueue(name, {
          ...(flags.concurrency !== undefined && { concurrency: flags.concurrency as number }),
          ...(flags.keyConcurrency !== undefined && { keyConcurrency: flags.keyConcurrency as number }),
          ...rate,
        }),
      )
      context.io.stdout(flags.json ? formatJson(view) : `queue set | ${describe(view)}`)
    })

  queue
    .command('list')
    .description('list the queues stored on this database')
    .option('--json', 'print {queues: [...]} as JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const queues = await withClient(context, command, (zart) => zart.queues())
      if (flags.json) return context.io.stdout(formatJson({ queues }))
      if (queues.length === 0)
        return context.io.stdout('no queues: define one with zart queue set <name> --concurrency N\n')
      context.io.stdout(queues.map(describe).join(''))
    })
}
