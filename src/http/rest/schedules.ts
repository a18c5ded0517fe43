import { z } from 'zod'
import {
  addCronScheduleShape,
  cronScheduleListShape,
  cronScheduleShape,
  removeCronScheduleShape,
} from '../../client/result-schemas.ts'
import type { CatchUpPolicy, OverlapPolicy } from '../../storage/store.ts'
import type { RestContext } from './context.ts'
import { defineRoute, type RouteSpec } from './route.ts'
import { emptyBody } from './schemas.ts'

// Names, expressions and policies are checked by the client (one rule for every door).
const nameParams = z.object({ name: z.string().describe('The schedule name') })
const addBody = z.strictObject(
  {
    name: z.string().describe('The schedule name: letters, digits and _ . : - /, at most 96'),
    workflow: z.string().describe('The workflow each tick starts'),
    cron: z.string().describe('Cron expression, e.g. "0 9 * * 1-5" (five fields, or six with seconds first)'),
    data: z.unknown().optional().describe('The data each tick starts with (default {})'),
    timezone: z.string().optional().describe('IANA time zone, e.g. "Europe/Berlin" (default UTC)'),
    overlap: z.string().optional().describe('While the last tick still runs: skip (default), queue or allow'),
    catch_up: z.string().optional().describe('Ticks missed while no worker ran: none, latest (default) or all'),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'the body must be a JSON object' : undefined) },
)
const scheduleResponse = z.looseObject(cronScheduleShape)

/** `/schedules`: cron schedules, the same operations as `zart cron` and the MCP schedule tools. */
export function scheduleRoutes(context: RestContext): RouteSpec[] {
  const { zart } = context
  const location = (name: string) => ({ Location: `/api/v1/schedules/${encodeURIComponent(name)}` })

  const add = defineRoute({
    method: 'post',
    path: '/schedules',
    operationId: 'addSchedule',
    summary: 'Add a cron schedule',
    description:
      'Each tick starts one execution of the workflow (id `cron:NAME:TICK`), however many workers run. The same ' +
      'definition again answers 200 with the existing schedule; another definition under a taken name is 409 ID_CONFLICT.',
    schemas: { body: addBody },
    bodyRequired: true,
    responses: {
      201: { description: 'The schedule was added', schema: z.looseObject(addCronScheduleShape) },
      200: { description: 'The same schedule already existed', schema: z.looseObject(addCronScheduleShape) },
    },
    errors: ['INVALID_INPUT', 'UNKNOWN_WORKFLOW', 'ID_CONFLICT', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'],
    async handle({ body }) {
      const view = await zart.addSchedule({
        name: body.name,
        workflow: body.workflow,
        cron: body.cron,
        ...(body.data !== undefined && { data: body.data }),
        ...(body.timezone !== undefined && { timezone: body.timezone }),
        ...(body.overlap !== undefined && { overlap: body.overlap as OverlapPolicy }),
        ...(body.catch_up !== undefined && { catchUp: body.catch_up as CatchUpPolicy }),
      })
      return { status: view.created ? 201 : 200, body: view, headers: location(view.name) }
    },
  })

  const list = defineRoute({
    method: 'get',
    path: '/schedules',
    operationId: 'listSchedules',
    summary: 'List cron schedules, by name',
    schemas: {},
    responses: { 200: { description: 'Every schedule', schema: z.looseObject(cronScheduleListShape) } },
    errors: [],
    async handle() {
      return { status: 200, body: await zart.listSchedules() }
    },
  })

  const get = defineRoute({
    method: 'get',
    path: '/schedules/{name}',
    operationId: 'getSchedule',
    summary: 'One cron schedule',
    schemas: { params: nameParams },
    responses: { 200: { description: 'The schedule', schema: scheduleResponse } },
    errors: ['INVALID_INPUT', 'SCHEDULE_NOT_FOUND'],
    async handle({ params }) {
      return { status: 200, body: await zart.getSchedule(params.name) }
    },
  })

  const remove = defineRoute({
    method: 'delete',
    path: '/schedules/{name}',
    operationId: 'removeSchedule',
    summary: 'Remove a cron schedule',
    description:
      'No more ticks; the executions it started are kept. A schedule declared in code (`declared_in_code`) comes back ' +
      'when a worker loads its workflow: pause it to stop it for good.',
    schemas: { params: nameParams },
    responses: { 200: { description: 'Removed', schema: z.looseObject(removeCronScheduleShape) } },
    errors: ['INVALID_INPUT', 'SCHEDULE_NOT_FOUND'],
    async handle({ params }) {
      return { status: 200, body: await zart.removeSchedule(params.name) }
    },
  })

  const pause = (action: 'pause' | 'resume') =>
    defineRoute({
      method: 'post',
      path: `/schedules/{name}/${action}`,
      operationId: `${action}Schedule`,
      summary: action === 'pause' ? 'Pause a cron schedule' : 'Resume a cron schedule',
      description:
        action === 'pause'
          ? 'Its ticks start nothing until it is resumed.'
          : 'From its next tick after now: ticks that fell while it was paused are not run.',
      schemas: { params: nameParams, body: emptyBody },
      responses: { 200: { description: 'The schedule after the change', schema: scheduleResponse } },
      errors: ['INVALID_INPUT', 'SCHEDULE_NOT_FOUND'],
      async handle({ params }) {
        const view = action === 'pause' ? await zart.pauseSchedule(params.name) : await zart.resumeSchedule(params.name)
        return { status: 200, body: view }
      },
    })

  return [add, list, get, remove, pause('pause'), pause('resume')]
}
