import type { RestContext } from './context.ts'
import { defineRoute, type RouteSpec } from './route.ts'
import { replayCheckQuery, replayCheckResponse, workersResponse, workflowsResponse } from './schemas.ts'

/**
 * `GET /workflows`: what this server can run, with each input's JSON Schema.
 * `GET /replay-check`: whether unfinished executions replay against the code loaded here.
 */
export function workflowRoutes(context: RestContext): RouteSpec[] {
  const list = defineRoute({
    method: 'get',
    path: '/workflows',
    operationId: 'listWorkflows',
    summary: 'The workflows this server runs',
    description: 'Names, options, the JSON Schema of each input and of each event the workflow waits for.',
    schemas: {},
    responses: { 200: { description: 'The workflows', schema: workflowsResponse } },
    errors: [],
    async handle() {
      return { status: 200, body: { workflows: context.zart.workflows() } }
    },
  })
  const replayCheck = defineRoute({
    method: 'get',
    path: '/replay-check',
    operationId: 'replayCheck',
    summary: 'Replay unfinished executions against the loaded workflow code',
    description:
      'Replays the stored history of each unfinished execution against the workflow code this server loaded, running ' +
      'no step and writing nothing, and lists those the code no longer matches (a deploy of this code would stop ' +
      'them with REPLAY_DIVERGED). Run it from a deploy pipeline against the new code before rolling out.',
    schemas: { query: replayCheckQuery },
    responses: { 200: { description: 'What the replay found', schema: replayCheckResponse } },
    errors: ['INVALID_INPUT', 'UNKNOWN_WORKFLOW'],
    async handle({ query }) {
      const result = await context.zart.replayCheck({
        ...(query.workflow !== undefined && { workflow: query.workflow }),
        ...(query.limit !== undefined && { limit: query.limit }),
      })
      return { status: 200, body: result }
    },
  })
  const workers = defineRoute({
    method: 'get',
    path: '/workers',
    operationId: 'listWorkers',
    summary: 'The workers alive on this database',
    description:
      'Each worker process reports itself once per heartbeat period: id, host, pid, the workflows it runs. An ' +
      'execution whose workflow no live worker runs waits (its status says so in `hint`).',
    schemas: {},
    responses: { 200: { description: 'The live workers', schema: workersResponse } },
    errors: [],
    async handle() {
      return { status: 200, body: { workers: await context.zart.workers() } }
    },
  })
  return [list, replayCheck, workers] as RouteSpec[]
}
