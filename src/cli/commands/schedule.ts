import type { Command } from 'commander'
import { withClient, type CliContext } from '../context.ts'
import { duration, readJsonData } from '../options.ts'
import { formatJson } from '../output.ts'

interface ScheduleFlags {
  runAt?: string
  delay?: number
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
    .option('--run-at <time>', 'start no earlier than this ISO 8601 time, e.g. 2026-12-01T09:00:00Z')
    .option('--delay <duration>', 'start no earlier than this long from now, e.g. 10m or 2h', duration)
    .option('--json', 'print {execution_id, status, created} as JSON')
    .action(async (workflow: string, flags: ScheduleFlags, command: Command) => {
      const data = readJsonData(flags.data) ?? {}
      const result = await withClient(context, command, (zart) =>
        zart.schedule(workflow, data, {
          ...(flags.id !== undefined && { id: flags.id }),
          ...(flags.idempotencyKey !== undefined && { idempotencyKey: flags.idempotencyKey }),
          ...(flags.runAt !== undefined && { runAt: flags.runAt }),
          ...(flags.delay !== undefined && { delay: flags.delay }),
          // The OpenTelemetry convention for handing trace context to a command: TRACEPARENT.
          ...(context.io.env.TRACEPARENT !== undefined && { traceparent: context.io.env.TRACEPARENT }),
        }),
      )
      if (flags.json) return context.io.stdout(formatJson(result))
      if (!result.created) {
        context.io.stderr(
          `note: execution ${result.execution_id} already existed with this input (${result.status}); nothing new was scheduled\n`,
        )
      }
      const when = result.run_at ? ` | runs at ${result.run_at}` : ''
      context.io.stdout(`scheduled | execution_id: ${result.execution_id}${when}\n`)
    })
}
