import type { Command } from 'commander'
import { withClient, type CliContext } from '../context.ts'
import { positiveInt } from '../options.ts'
import { formatJson, formatTable } from '../output.ts'

interface ListFlags {
  status?: string
  workflow?: string
  limit?: number
  cursor?: string
  json?: boolean
}

/** `zart list`: executions, newest first, a page at a time. */
export function registerListCommand(program: Command, context: CliContext): void {
  program
    .command('list')
    .description('list executions, newest first')
    .option('--status <status>', 'only this status: pending, running, waiting, completed, failed, cancelled, timed_out')
    .option('--workflow <name>', 'only this workflow')
    .option('--limit <n>', 'page size, 1 to 100 (default 20)', positiveInt)
    .option('--cursor <cursor>', 'the next_cursor of the previous page')
    .option('--json', 'print {executions, next_cursor} as JSON')
    .action(async (flags: ListFlags, command: Command) => {
      const page = await withClient(
        context,
        command,
        (zart) =>
          zart.list({
            ...(flags.status !== undefined && { status: flags.status }),
            ...(flags.workflow !== undefined && { workflow: flags.workflow }),
            ...(flags.limit !== undefined && { limit: flags.limit }),
            ...(flags.cursor !== undefined && { cursor: flags.cursor }),
          }),
        { readOnly: true },
      )
      if (flags.json) return context.io.stdout(formatJson(page))
      if (page.executions.length === 0) {
        context.io.stdout('no executions\n')
      } else {
        const rows = page.executions.map((e) => [e.id, e.workflow, e.status, e.step ?? '', e.updated_at])
        context.io.stdout(formatTable(['ID', 'WORKFLOW', 'STATUS', 'STEP', 'UPDATED'], rows))
      }
      if (page.next_cursor !== null) context.io.stdout(`more: zart list --cursor ${page.next_cursor}\n`)
    })
}
