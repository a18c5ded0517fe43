import type { Command } from 'commander'
import { withClient, type CliContext } from '../context.ts'
import { collect, duration } from '../options.ts'
import { formatJson } from '../output.ts'

interface PruneFlags {
  olderThan: number
  status?: string[]
}

/**
 * `zart prune --older-than 30d [--status completed]`: deletes finished executions (with
 * their steps and events) last updated before then. Pending, running and waiting
 * executions are never pruned, whatever the flags say.
 */
export function registerPruneCommand(program: Command, context: CliContext): void {
  program
    .command('prune')
    .description('delete finished executions older than a duration, with their steps and events')
    .requiredOption(
      '--older-than <duration>',
      'only executions finished longer ago than this, e.g. 30d or 12h',
      duration,
    )
    .option(
      '--status <status>',
      'only this terminal state: completed, failed, cancelled, timed_out (may repeat; default all)',
      collect,
    )
    .action(async (flags: PruneFlags, command: Command) => {
      const result = await withClient(context, command, (zart) =>
        zart.prune({ olderThan: flags.olderThan, ...(flags.status !== undefined && { status: flags.status }) }),
      )
      context.io.stdout(formatJson(result))
    })
}
