import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'
import type { ScheduleInput } from '../../client/schedules.ts'
import type { Zart } from '../../client/zart.ts'
import type { CatchUpPolicy, OverlapPolicy } from '../../storage/store.ts'
import {
  addCronScheduleResultSchema,
  cronScheduleListResultSchema,
  cronScheduleResultSchema,
  removeCronScheduleResultSchema,
} from '../output-schemas.ts'
import { runTool, toolSuccess } from '../tool-result.ts'
import { advertised, parseArguments } from '../tool-schema.ts'
import { defaultToolContext, type ToolContext } from './tool-context.ts'

// Names and policies are checked by the client, so every door words a mistake the same way.
const byName = z.object({ name: z.string().describe('The schedule name') })
const addInput = byName.extend({
  workflow: z.string().describe('The workflow each tick starts'),
  cron: z.string().describe('Cron expression: "minute hour day-of-month month day-of-week", e.g. "0 9 * * 1-5"'),
  data: z.record(z.string(), z.unknown()).optional().describe('The data each tick starts with (default {})'),
  timezone: z.string().optional().describe('IANA time zone, e.g. "Europe/Berlin" (default UTC)'),
  overlap: z
    .string()
    .optional()
    .describe('While the last tick still runs: skip (default, no new run), queue (start when it ends) or allow'),
  catch_up: z
    .string()
    .optional()
    .describe('Ticks missed while no worker ran: none, latest (default: run the most recent) or all (up to 100)'),
})

/** Changes what runs later, unasked-for runs included: marked destructive like the repairs. */
const CHANGES = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false }

/** `list_schedules`: the cron schedules on this database (read-only). */
export function registerListSchedulesTool(
  server: McpServer,
  client: Promise<Zart>,
  context: ToolContext = defaultToolContext,
): void {
  server.registerTool(
    'list_schedules',
    {
      title: 'List cron schedules',
      description:
        'List the cron schedules on this database: workflow, expression, time zone, policies, whether paused, and ' +
        'the next and last tick (with the execution the last one started).',
      outputSchema: cronScheduleListResultSchema,
      annotations: { title: 'List cron schedules', readOnlyHint: true, openWorldHint: false },
    },
    () =>
      runTool(context, undefined, async () => {
        const zart = await client
        const result = await zart.listSchedules()
        return toolSuccess(result, `${result.schedules.length} schedule(s).`)
      }),
  )
}

/** `add_schedule`, `remove_schedule`, `pause_schedule`, `resume_schedule`: absent in read-only mode. */
export function registerCronTools(
  server: McpServer,
  client: Promise<Zart>,
  context: ToolContext = defaultToolContext,
): void {
  server.registerTool(
    'add_schedule',
    {
      title: 'Add a cron schedule',
      description:
        'Start a workflow on a cron schedule: every tick starts one execution (id cron:NAME:TICK), however many ' +
        'workers run. Adding the same definition again is harmless; a taken name with another definition is ' +
        'ID_CONFLICT. Only when the person asks.',
      inputSchema: advertised(addInput),
      outputSchema: addCronScheduleResultSchema,
      annotations: { title: 'Add a cron schedule', ...CHANGES },
    },
    (args) =>
      runTool(context, args, async () => {
        const a = parseArguments(addInput, args, 'add_schedule')
        const zart = await client
        const view = await zart.addSchedule(toScheduleInput(a))
        return toolSuccess(
          view,
          `Schedule ${JSON.stringify(view.name)} ${view.created ? 'added' : 'already existed'}; next tick ${view.next_tick_at ?? 'none'}.`,
        )
      }),
  )
  server.registerTool(
    'remove_schedule',
    {
      title: 'Remove a cron schedule',
      description: 'Remove a cron schedule: no more ticks. Executions it started are kept. Only when the person asks.',
      inputSchema: advertised(byName),
      outputSchema: removeCronScheduleResultSchema,
      annotations: { title: 'Remove a cron schedule', ...CHANGES },
    },
    (args) =>
      runTool(context, args, async () => {
        const zart = await client
        const result = await zart.removeSchedule(parseArguments(byName, args, 'remove_schedule').name)
        const note = result.declared_in_code
          ? ' It is declared in code: a worker loading its workflow adds it again; pause_schedule stops it for good.'
          : ''
        return toolSuccess(result, `Schedule ${JSON.stringify(result.name)} removed.${note}`)
      }),
  )
  for (const action of ['pause', 'resume'] as const) {
    const title = action === 'pause' ? 'Pause a cron schedule' : 'Resume a cron schedule'
    server.registerTool(
      `${action}_schedule`,
      {
        title,
        description:
          action === 'pause'
            ? 'Pause a cron schedule: its ticks start nothing until resume_schedule. Only when the person asks.'
            : 'Resume a paused cron schedule from its next tick after now (ticks that fell while paused are not run).',
        inputSchema: advertised(byName),
        outputSchema: cronScheduleResultSchema,
        annotations: { title, ...CHANGES },
      },
      (args) =>
        runTool(context, args, async () => {
          const name = parseArguments(byName, args, `${action}_schedule`).name
          const zart = await client
          const view = action === 'pause' ? await zart.pauseSchedule(name) : await zart.resumeSchedule(name)
          return toolSuccess(
            view,
            `Schedule ${JSON.stringify(view.name)} is ${action === 'pause' ? 'paused' : 'resumed'}.`,
          )
        }),
    )
  }
}

function toScheduleInput(a: z.output<typeof addInput>): ScheduleInput {
  return {
    name: a.name,
    workflow: a.workflow,
    cron: a.cron,
    ...(a.data !== undefined && { data: a.data }),
    ...(a.timezone !== undefined && { timezone: a.timezone }),
    // Checked by the client against the one list of policies.
    ...(a.overlap !== undefined && { overlap: a.overlap as OverlapPolicy }),
    ...(a.catch_up !== undefined && { catchUp: a.catch_up as CatchUpPolicy }),
  }
}
