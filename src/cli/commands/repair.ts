import type { Command } from 'commander'
import { withClient, type CliContext } from '../context.ts'
import { duration, readJsonData } from '../options.ts'
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

  program
    .command('rerun')
    .description('fork a new execution that replays the steps before <step> and runs it and the rest anew')
    .argument('<id>', 'execution id')
    .requiredOption('--from-step <step>', 'the step to run again, and everything after it')
    .option('--data <json>', 'new input as JSON, or @file.json, or @- for stdin (default: the original input)')
    .option('--id <id>', 'id of the new execution (default: <id>.rerun-<random>)')
    .option('--json', 'print the status as JSON')
    .action(
      async (id: string, flags: { fromStep: string; data?: string; id?: string; json?: boolean }, command: Command) => {
        const data = readJsonData(flags.data)
        const view = await withClient(context, command, (zart) =>
          zart.rerun(id, {
            fromStep: flags.fromStep,
            ...(data !== undefined && { data }),
            ...(flags.id !== undefined && { id: flags.id }),
          }),
        )
        context.io.stdout(flags.json ? formatJson(view) : `rerun | execution_id: ${view.id} | rerun_of: ${id}\n`)
      },
    )
}
