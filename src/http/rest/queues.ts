import { queueLimits } from '../../client/schemas.ts'
import type { RestContext } from './context.ts'
import { defineRoute, type RouteSpec } from './route.ts'
import { queueBody, queueParams, queueResponse, queuesResponse } from './schemas.ts'

/**
 * `GET /queues`: the queues stored on the database. `PUT /queues/{name}`: create a queue or
 * replace its limits (docs/queues.md). The limits are checked by the client, as at every door.
 */
export function queueRoutes(context: RestContext): RouteSpec[] {
  const list = defineRoute({
    method: 'get',
    path: '/queues',
    operationId: 'listQueues',
    summary: 'The queues and their limits',
    description:
      'Each queue: concurrency (running at once), key_concurrency (running at once per concurrency key) and ' +
      'rate_limit (starts per period); null is no limit.',
    schemas: {},
    responses: { 200: { description: 'The queues, by name', schema: queuesResponse } },
    errors: [],
    async handle() {
      return { status: 200, body: { queues: await context.zart.queues() } }
    },
  })
  const set = defineRoute({
    method: 'put',
    path: '/queues/{name}',
    operationId: 'setQueue',
    summary: 'Create a queue or replace its limits',
    description:
      'Stored in the database, so every worker enforces the limits at its next claim. A limit left out (or null) ' +
      'is no limit; a given one is at least 1 (400 INVALID_INPUT otherwise, changing nothing).',
    schemas: { params: queueParams, body: queueBody },
    responses: { 200: { description: 'The queue as stored', schema: queueResponse } },
    errors: ['INVALID_INPUT', 'UNSUPPORTED_MEDIA_TYPE'],
    async handle({ params, body }) {
      return { status: 200, body: await context.zart.setQueue(params.name, queueLimits(body ?? {})) }
    },
  })
  return [list, set] as RouteSpec[]
}
