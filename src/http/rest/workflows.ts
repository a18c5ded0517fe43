import type { RestContext } from './context.ts'
import { defineRoute, type RouteSpec } from './route.ts'
import { workflowsResponse } from './schemas.ts'

/** `GET /workflows`: what this server can run, with each input's JSON Schema. */
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
  return [list] as RouteSpec[]
}
