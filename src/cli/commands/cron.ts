import type { Command } from 'commander'
import type { ScheduleView } from '../../client/schedules.ts'
import type { CatchUpPolicy, OverlapPolicy } from '../../storage/store.ts'
import { withClient, type CliContext } from '../context.ts'
import { readJsonData } from '../options.ts'
import { formatJson, formatTable } from '../output.ts'

interface AddFlags {
  data?: string
  timezone?: string
  overlap?: string
  catchUp?: string
  json?: boolean
}

/**
 * `zart cron add|list|remove|pause|resume`: cron schedules, stored in the database so that
 * every worker sees them. Policies are passed through as given: the client checks them,
 * so a mistake reads the same here as over MCP and REST.
 */
export function registerCronCommand(program: Command, context: CliContext): void {
  const cron = program
    .command('cron')
    .description('start workflows on cron schedules (add, list, remove, pause, resume)')
  const done = (action: string, json: boolean | undefined, view: ScheduleView) =>
    context.io.stdout(
      json ? formatJson(view) : `${action} | schedule: ${view.name} | next tick: ${view.next_tick_at ?? 'none'}\n`,
    )

  cron
    .command('add')
    .description('add a schedule: each tick starts one execution of <workflow>, however many workers run')
    .argument('<name>', 'schedule name (letters, digits, _ . : - /)')
    .argument('<workflow>', 'workflow name (see zart workflows)')
    .argument('<expr>', 'cron expression, quoted: "minute hour day-of-month month day-of-week", e.g. "0 9 * * 1-5"')
    .option('--data <json>', 'input of each tick as JSON, or @file.json, or @- for stdin (default {})')
    .option('--timezone <tz>', 'IANA time zone the expression is read in, e.g. Europe/Berlin (default UTC)')
    .option('--overlap <policy>', 'while the last tick still runs: skip (default), queue or allow')
    .option('--catch-up <policy>', 'ticks missed while no worker ran: none, latest (default) or all (up to 100)')
    .option('--json', 'print the schedule as JSON')
    .action(async (name: string, workflow: string, expr: string, flags: AddFlags, command: Command) => {
      const data = readJsonData(flags.data)
      const view = await withClient(context, command, (zart) =>
        zart.addSchedule({
          name,
          workflow,
          cron: expr,
          ...(data !== undefined && { data }),
          ...(flags.timezone !== undefined && { timezone: flags.timezone }),
          ...(flags.overlap !== undefined && { overlap: flags.overlap as OverlapPolicy }),
          ...(flags.catchUp !== undefined && { catchUp: flags.catchUp as CatchUpPolicy }),
        }),
      )
      if (!view.created && !flags.json) context.io.stderr(`note: schedule ${view.name} already existed as given\n`)
      done(view.created ? 'added' : 'exists', flags.json, view)
    })

  cron
    .command('list')
    .description('list the schedules on this database')
    .option('--json', 'print {schedules: [...]} as JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const result = await withClient(context, command, (zart) => zart.listSchedules())
      if (flags.json) return context.io.stdout(formatJson(result))
      if (result.schedules.length === 0) return context.io.stdout('no schedules: add one with zart cron add\n')
      const rows = result.schedules.map((s) => [
        s.name,
        s.workflow,
        s.cron,
        s.timezone,
        s.paused ? 'paused' : (s.next_tick_at ?? 'none'),
        s.last_execution_id ?? '-',
      ])
      context.io.stdout(formatTable(['NAME', 'WORKFLOW', 'CRON', 'TIMEZONE', 'NEXT TICK', 'LAST EXECUTION'], rows))
    })

  cron
    .command('remove')
    .description('remove a schedule (the executions it started are kept)')
    .argument('<name>', 'schedule name')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, flags: { json?: boolean }, command: Command) => {
      const result = await withClient(context, command, (zart) => zart.removeSchedule(name))
      if (flags.json) return context.io.stdout(formatJson(result))
      if (result.declared_in_code) {
        context.io.stderr(
          `note: ${result.name} is declared in code: a worker loading its workflow adds it again; zart cron pause stops it for good\n`,
        )
      }
      context.io.stdout(`removed | schedule: ${result.name}\n`)
    })

  for (const action of ['pause', 'resume'] as const) {
    cron
      .command(action)
      .description(
        action === 'pause'
          ? 'pause a schedule: its ticks start nothing until resumed'
          : 'resume a paused schedule from its next tick after now (ticks missed while paused are not run)',
      )
      .argument('<name>', 'schedule name')
      .option('--json', 'print the schedule as JSON')
      .action(async (name: string, flags: { json?: boolean }, command: Command) => {
        const view = await withClient(context, command, (zart) =>
          action === 'pause' ? zart.pauseSchedule(name) : zart.resumeSchedule(name),
        )
        done(action === 'pause' ? 'paused' : 'resumed', flags.json, view)
      })
  }
}
