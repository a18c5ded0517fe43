import type { Command } from 'commander'
import { withClient, type CliContext } from '../context.ts'
import { readJsonData } from '../options.ts'
import { formatJson } from '../output.ts'

interface ScheduleFlags {
  data?: string
  id?: string
  idempotencyKey?: string
  json?: boolean
}

/** `zart schedule <workflow>`: starts an execution, or returns the existing one for the same id and input. */
export function registerScheduleCommand(program: Command, context: CliContext): void {
  program
    .command('schedule')
    .description('schedule an execution of a workflow')
    .argument('<workflow>', 'workflow name (see zart workflows)')
    .option('--data <json>', 'input as JSON, or @file.json, or @- for stdin (default {})')
    .option('--id <id>', 'execution id (default: generated); the same id and input returns the existing execution')
    .option('--idempotency-key <key>', 'maps to at most one execution')
    .option('--json', 'print {execution_id, status, created} as JSON')
    .action(async (workflow: string, flags: ScheduleFlags, command: Command) => {
      const data = readJsonData(flags.data) ?? {}
      const result = await withClient(context, command, (zart) =>
        zart.schedule(workflow, data, {
          ...(flags.id !== undefined && { id: flags.id }),
          ...(flags.idempotencyKey !== undefined && { idempotencyKey: flags.idempotencyKey }),
        }),
      )
      if (flags.json) return context.io.stdout(formatJson(result))
      if (!result.created) {
        context.io.stderr(
          `note: execution ${result.execution_id} already existed with this input (${result.status}); nothing new was scheduled\n`,
        )
      }
      context.io.stdout(`scheduled | execution_id: ${result.execution_id}\n`)
    })
}
