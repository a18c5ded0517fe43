import type { Command } from 'commander'
import { withClient, type CliContext } from '../context.ts'
import { readJsonData } from '../options.ts'
import { formatJson } from '../output.ts'

interface EventFlags {
  data?: string
  eventId?: string
  json?: boolean
}

/** `zart event <id> <name>`: delivers an event; prints delivered, buffered or duplicate. */
export function registerEventCommand(program: Command, context: CliContext): void {
  program
    .command('event')
    .description('deliver an event to an execution (kept for a later wait when none is waiting)')
    .argument('<id>', 'execution id')
    .argument('<name>', 'event name, e.g. approval')
    .option('--data <json>', 'event payload as JSON, or @file.json, or @- for stdin (default null)')
    .option('--event-id <id>', 'makes delivery idempotent: a repeat with this id is reported as duplicate')
    .option('--json', 'print {result, status} as JSON')
    .action(async (id: string, name: string, flags: EventFlags, command: Command) => {
      const data = readJsonData(flags.data) ?? null
      const result = await withClient(context, command, (zart) =>
        zart.deliverEvent(id, name, data, flags.eventId === undefined ? {} : { eventId: flags.eventId }),
      )
      context.io.stdout(flags.json ? formatJson(result) : `${result.result}\n`)
      if (!flags.json && result.waiting_for) {
        const names = result.waiting_for.map((e) => JSON.stringify(e)).join(' or ')
        context.io.stderr(
          `note: execution ${id} waits for ${names}, not ${JSON.stringify(name)}; the event is kept for later\n`,
        )
      }
    })
}
