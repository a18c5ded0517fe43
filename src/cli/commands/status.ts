import type { Command } from 'commander'
import { withClient, type CliContext } from '../context.ts'
import { formatJson } from '../output.ts'

/** `zart status <id>`: the execution as one JSON object. */
export function registerStatusCommand(program: Command, context: CliContext): void {
  program
    .command('status')
    .description('print the status of an execution as JSON')
    .argument('<id>', 'execution id')
    .option('--steps', 'include the step history')
    .action(async (id: string, flags: { steps?: boolean }, command: Command) => {
      // Reads only: no workflow code is loaded (the event schemas come stored with each wait).
      const includeSteps = flags.steps === true
      const view = await withClient(context, command, (zart) => zart.status(id, { includeSteps }), { readOnly: true })
      context.io.stdout(formatJson(view))
    })
}
