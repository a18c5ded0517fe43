import type { Command } from 'commander'
import { withClient, type CliContext } from '../context.ts'
import { duration } from '../options.ts'
import { formatJson } from '../output.ts'

/**
 * `zart pause <id>`, `zart resume <id>`, `zart retry <id> [--timeout D]`: the repairs of one
 * execution. Each prints `<action> | execution_id: <id>`, or the status with --json.
 */
export function registerRepairCommands(program: Command, context: CliContext): void {
  const done = (action: string, json: boolean | undefined, view: { id: string }) =>
    context.io.stdout(json ? formatJson(view) : `${action} | execution_id: ${view.id}\n`)

  program
    .command('pause')
    .description('pause an unfinished execution: not claimed until resumed (a running step finishes first)')
    .argument('<id>', 'execution id')
    .option('--json', 'print the status as JSON')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      done('paused', flags.json, await withClient(context, command, (zart) => zart.pause(id)))
    })

  program
    .command('resume')
    .description('resume a paused execution')
    .argument('<id>', 'execution id')
    .option('--json', 'print the status as JSON')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      done('resumed', flags.json, await withClient(context, command, (zart) => zart.resume(id)))
    })

  program
    .command('retry')
    .description('run a failed, timed-out or cancelled execution again from where it stopped (done steps are kept)')
    .argument('<id>', 'execution id')
    .option('--timeout <duration>', "new deadline from now (default: the workflow's timeout)", duration)
    .option('--json', 'print the status as JSON')
    .action(async (id: string, flags: { json?: boolean; timeout?: number }, command: Command) => {
      const view = await withClient(context, command, (zart) =>
        zart.retry(id, flags.timeout === undefined ? {} : { timeout: flags.timeout }),
      )
      done('retrying', flags.json, view)
    })
}
