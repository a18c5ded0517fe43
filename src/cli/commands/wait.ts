import type { Command } from 'commander'
import { withClient, type CliContext } from '../context.ts'
import { EXIT } from '../exit-codes.ts'
import { seconds } from '../options.ts'
import { formatJson } from '../output.ts'

/**
 * `zart wait <id>`: blocks until the execution is terminal and prints its status.
 * It runs no worker: some `zart worker` (or `mcp`/`serve`) process must be running.
 */
export function registerWaitCommand(program: Command, context: CliContext): void {
  program
    .command('wait')
    .description(
      'wait until an execution finishes (needs a running worker) and print its status; exit 0 completed, 1 failed/cancelled/timed out, 3 wait timed out',
    )
    .argument('<id>', 'execution id')
    .option(
      '--timeout <seconds>',
      'give up after this many seconds (exit 3); default: wait as long as it takes',
      seconds,
    )
    .action(async (id: string, flags: { timeout?: number }, command: Command) => {
      const stop = new AbortController()
      const onSignal = () => stop.abort()
      process.once('SIGINT', onSignal)
      process.once('SIGTERM', onSignal)
      try {
        const result = await withClient(
          context,
          command,
          (zart) =>
            zart.wait(id, { signal: stop.signal, ...(flags.timeout !== undefined && { timeout: flags.timeout }) }),
          { readOnly: true },
        )
        const { timed_out, ...view } = result
        context.io.stdout(formatJson(view))
        if (stop.signal.aborted) {
          context.exitCode = EXIT.INTERRUPTED
        } else if (timed_out) {
          context.io.stderr(
            `wait ended before execution ${id} finished (it is ${view.status}); run zart wait again later\n`,
          )
          context.exitCode = EXIT.WAIT_TIMED_OUT
        } else {
          context.exitCode = view.status === 'completed' ? EXIT.OK : EXIT.FAILED
        }
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
      }
    })
}
