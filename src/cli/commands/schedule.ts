import type { Command } from 'commander'
import { withClient, type CliContext } from '../context.ts'
import { duration, number, readJsonData } from '../options.ts'
import { formatJson } from '../output.ts'
import { ZartError } from '../../errors.ts'

interface ScheduleFlags {
  runAt?: string
  delay?: number
  data?: string
  id?: string
  idempotencyKey?: string
  queue?: string
  concurrencyKey?: string
  priority?: number | string
  dedupeKey?: string
  dedupeWindow?: number
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
    .option('--queue <name>', "run under this queue's limits instead of the workflow's (see zart queue)")
    .option('--concurrency-key <key>', "the key of the queue's per-key limit, e.g. user-42")
    .option('--priority <n>', 'order within the queue: larger runs first (default 0)', number)
    .option('--dedupe-key <key>', 'return the pending execution scheduled with this key instead of a new one')
    .option('--dedupe-window <duration>', 'how long the dedupe key holds (default: until it starts)', duration)
    .option('--json', 'print {execution_id, status, created} as JSON')
    .action(async (workflow: string, flags: ScheduleFlags, command: Command) => {
      const data = readJsonData(flags.data) ?? {}
      if (flags.dedupeWindow !== undefined && flags.dedupeKey === undefined) {
        throw new ZartError('INVALID_INPUT', '--dedupe-window needs --dedupe-key: give the key to deduplicate on')
      }
      const result = await withClient(context, command, (zart) =>
        zart.schedule(workflow, data, {
          ...(flags.id !== undefined && { id: flags.id }),
          ...(flags.idempotencyKey !== undefined && { idempotencyKey: flags.idempotencyKey }),
          ...(flags.runAt !== undefined && { runAt: flags.runAt }),
          ...(flags.delay !== undefined && { delay: flags.delay }),
          // The OpenTelemetry convention for handing trace context to a command: TRACEPARENT.
          ...(context.io.env.TRACEPARENT !== undefined && { traceparent: context.io.env.TRACEPARENT }),
          ...(flags.queue !== undefined && { queue: flags.queue }),
          ...(flags.concurrencyKey !== undefined && { concurrencyKey: flags.concurrencyKey }),
          ...(flags.priority !== undefined && { priority: flags.priority as number }),
          ...(flags.dedupeKey !== undefined && {
            dedupe: { key: flags.dedupeKey, ...(flags.dedupeWindow !== undefined && { window: flags.dedupeWindow }) },
          }),
        }),
      )
      if (flags.json) return context.io.stdout(formatJson(result))
      if (result.deduplicated) {
        context.io.stderr(
          `note: execution ${result.execution_id} with this dedupe key has not started yet (${result.status}); it was returned instead of a new one\n`,
        )
      } else if (!result.created) {
        context.io.stderr(
          `note: execution ${result.execution_id} already existed with this input (${result.status}); nothing new was scheduled\n`,
        )
      }
      const when = result.run_at ? ` | runs at ${result.run_at}` : ''
      context.io.stdout(`scheduled | execution_id: ${result.execution_id}${when}\n`)
    })
}
