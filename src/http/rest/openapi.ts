import { z } from 'zod'
import { HTTP_STATUS } from './problem.ts'
import { errorStatuses, type RouteSpec } from './route.ts'
import { problemResponse } from './schemas.ts'

type Json = Record<string, unknown>

/** JSON Schema (2020-12, the dialect OpenAPI 3.1 uses) of a zod schema, without `$schema`. */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json
  delete json.$schema
  return json
}

/** One OpenAPI parameter per property of an object schema (path, query or header). */
function parameters(schema: z.ZodType | undefined, location: 'path' | 'query' | 'header'): Json[] {
  if (!(schema instanceof z.ZodObject)) return []
  const json = schemaOf(schema, 'input')
  const properties = (json.properties ?? {}) as Record<string, Json>
  const required = new Set((json.required ?? []) as string[])
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property
    return {
      name: location === 'header' ? name.replace(/(^|-)\w/g, (c) => c.toUpperCase()) : name,
      in: location,
      required: location === 'path' || required.has(name),
      ...(description !== undefined && { description }),
      schema: rest,
    }
  })
}

function operation(spec: RouteSpec): Json {
  const responses: Json = {}
  for (const [status, response] of Object.entries(spec.responses)) {
    responses[status] = {
      description: response.description,
      content: { [response.contentType ?? 'application/json']: { schema: schemaOf(response.schema, 'output') } },
    }
  }
  for (const status of errorStatuses(spec)) {
    const codes = spec.errors.filter((code) => HTTP_STATUS[code] === status)
    responses[String(status)] = {
      description: `Problem: ${codes.join(', ')}`,
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    }
  }
  responses['401'] = { description: 'Missing or wrong bearer token (when the server has one)' }
  const body = spec.schemas.body
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description !== undefined && { description: spec.description }),
    parameters: [
      ...parameters(spec.schemas.params, 'path'),
      ...parameters(spec.schemas.query, 'query'),
      ...parameters(spec.schemas.headers, 'header'),
    ],
    ...(body && {
      requestBody: {
        required: spec.bodyRequired === true,
        content: { 'application/json': { schema: schemaOf(body, 'input') } },
      },
    }),
    responses,
  }
}

/**
 * The OpenAPI 3.1 document of the REST API, generated from the route specs: the same
 * zod schemas that validate each request describe it here.
 */
export function openApiDocument(routes: readonly RouteSpec[], info: { version: string }): Json {
  const paths: Record<string, Json> = {}
  for (const spec of routes) (paths[spec.path] ??= {})[spec.method] = operation(spec)
  return {
    openapi: '3.1.0',
    info: {
      title: 'zart REST API',
      version: info.version,
      description:
        'Durable workflow executions over HTTP: schedule, inspect, wait for, cancel, and deliver events. ' +
        'The same operations as the zart CLI and MCP tools, with the same fields and error codes.',
    },
    servers: [{ url: '/api/v1' }],
    paths,
    components: {
      schemas: { Problem: schemaOf(problemResponse, 'output') },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Needed when zart serve was started with a token' },
      },
    },
    security: [{}, { bearer: [] }],
  }
}
