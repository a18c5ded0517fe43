import type { Command } from 'commander'
import { withClient, type CliContext } from '../context.ts'
import { formatJson } from '../output.ts'

/** `zart cancel <id>`: cancels an execution that has not finished. */
export function registerCancelCommand(program: Command, context: CliContext): void {
  program
    .command('cancel')
    .description('cancel an execution that has not finished, with its child executions (except detached ones)')
    .argument('<id>', 'execution id')
    .option('--json', 'print the status of the cancelled execution as JSON')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      const view = await withClient(context, command, (zart) => zart.cancel(id))
      context.io.stdout(flags.json ? formatJson(view) : `cancelled | execution_id: ${view.id}\n`)
    })
}
