import type { Command } from 'commander'
import { withClient, type CliContext } from '../context.ts'
import { formatJson } from '../output.ts'

/** `zart workflows`: the loaded workflows with their options and input JSON Schema. */
export function registerWorkflowsCommand(program: Command, context: CliContext): void {
  program
    .command('workflows')
    .description('list the loaded workflows: name, description, options, input and event JSON Schemas')
    .action(async (_options: object, command: Command) => {
      const workflows = await withClient(context, command, async (zart) => zart.workflows())
      context.io.stdout(formatJson(workflows))
    })
}
