import type { Command } from 'commander'
import { withClient, type CliContext } from '../context.ts'
import { formatJson } from '../output.ts'

/** `zart workers [--json]`: the workers alive now on this database, and what they run. */
export function registerWorkersCommand(program: Command, context: CliContext): void {
  program
    .command('workers')
    .description('list the workers alive on this database (each reports itself once per heartbeat period)')
    .option('--json', 'print {workers: [...]} as JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const workers = await withClient(context, command, (zart) => zart.workers(), { readOnly: true })
      if (flags.json) {
        context.io.stdout(formatJson({ workers }))
        return
      }
      if (workers.length === 0) {
        context.io.stdout(
          'no worker is running on this database: start one with zart worker (or zart serve / zart mcp)\n',
        )
        return
      }
      const rows = workers.map((w) => [w.id, `${w.host}:${w.pid}`, w.last_seen_at, w.workflows.join(',')])
      const header = ['ID', 'HOST:PID', 'LAST SEEN', 'WORKFLOWS']
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
      const line = (cells: string[]) =>
        cells
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd()
      context.io.stdout([line(header), ...rows.map(line)].join('\n') + '\n')
    })
}
