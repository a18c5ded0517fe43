import type { Command } from 'commander'
import { withClient, type CliContext } from '../context.ts'
import { EXIT } from '../exit-codes.ts'
import { positiveInt } from '../options.ts'
import { formatJson } from '../output.ts'

interface ReplayCheckFlags {
  workflow?: string
  limit?: number
  json?: boolean
}

/**
 * `zart replay-check [--workflow W] [--limit N]`: replays the histories of unfinished
 * executions against the workflows loaded now, running no step, and lists each one the
 * code no longer matches. Exit 1 when any does: a deploy pipeline runs it before rolling out.
 */
export function registerReplayCheckCommand(program: Command, context: CliContext): void {
  program
    .command('replay-check')
    .description(
      'replay unfinished executions against the loaded workflow code without running steps; exit 1 if any would diverge',
    )
    .option('--workflow <name>', 'only executions of this workflow')
    .option('--limit <n>', 'replay at most this many executions (default 100, at most 1000)', positiveInt)
    .option('--json', 'print the full result as JSON')
    .action(async (flags: ReplayCheckFlags, command: Command) => {
      const result = await withClient(context, command, (zart) =>
        zart.replayCheck({
          ...(flags.workflow !== undefined && { workflow: flags.workflow }),
          ...(flags.limit !== undefined && { limit: flags.limit }),
        }),
      )
      if (flags.json) context.io.stdout(formatJson(result))
      else {
        for (const finding of result.diverged) {
          context.io.stdout(`diverged | ${finding.execution_id} (${finding.workflow}) | ${finding.message}\n`)
        }
        const skipped = result.skipped > 0 ? `; ${result.skipped} of workflows not loaded, not checked` : ''
        context.io.stdout(`checked ${result.checked}, diverged ${result.diverged.length}${skipped}\n`)
      }
      context.exitCode = result.diverged.length > 0 ? EXIT.FAILED : EXIT.OK
    })
}
