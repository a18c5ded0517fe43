import type { Request, RequestHandler, Response, Router } from 'express'
import { z } from 'zod'
import { fieldIssues } from '../../client/schemas.ts'
import { ZartError } from '../../errors.ts'
import { HTTP_STATUS, type ProblemCode } from './problem.ts'

/** The parts of a request a route validates, each with its own schema. */
export interface RouteSchemas {
  params?: z.ZodType
  query?: z.ZodType
  headers?: z.ZodObject
  body?: z.ZodType
}

type Parsed<S extends RouteSchemas> = {
  [K in keyof RouteSchemas]-?: S[K] extends z.ZodType ? z.output<S[K]> : undefined
}

/** What a handler answers: a status, a JSON body and optional headers. */
export interface Reply {
  status: number
  body: unknown
  headers?: Record<string, string>
  /**
   * Instead of a JSON body, a stream of server-sent events: called with a function that
   * sends one event and a signal that fires when the client goes away; the response ends
   * when it resolves.
   */
  events?: (send: (event: string, data: unknown) => void, signal: AbortSignal) => Promise<void>
}

/**
 * One REST operation, described once: the router validates requests with its schemas and
 * the OpenAPI document is generated from the same object, so docs and behaviour agree.
 */
export interface RouteSpec<S extends RouteSchemas = RouteSchemas> {
  method: 'get' | 'post'
  /** OpenAPI-style path under `/api/v1`, e.g. `/executions/{id}`. */
  path: string
  operationId: string
  summary: string
  description?: string
  schemas: S
  /** Whether a body must be sent (otherwise a missing body is validated as `undefined`). */
  bodyRequired?: boolean
  /** Success responses by status. */
  responses: Record<number, { description: string; schema: z.ZodType; contentType?: string }>
  /** The error codes this operation may answer with (documented as problem responses). */
  errors: readonly ProblemCode[]
  handle(input: Parsed<S>, req: Request, res: Response): Promise<Reply>
}

/** Declares a route with its handler's input typed from its schemas. */
export function defineRoute<S extends RouteSchemas>(spec: RouteSpec<S>): RouteSpec<S> {
  return spec
}

/** Problems any route may answer with: every one needs the database. */
const EVERY_ROUTE: readonly ProblemCode[] = ['DATABASE_UNAVAILABLE']

/** Statuses of the problems a route may answer with, for the OpenAPI document. */
export function errorStatuses(spec: RouteSpec): number[] {
  return [...new Set([...spec.errors, ...EVERY_ROUTE].map((code) => HTTP_STATUS[code]))].sort()
}

/** Mounts a route on the router: parse each part with its schema, run, reply as JSON. */
export function mountRoute<S extends RouteSchemas>(router: Router, spec: RouteSpec<S>): void {
  const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1')
  const handler: RequestHandler = async (req, res) => {
    const input = {
      params: parsePart(spec.schemas.params, req.params, 'path'),
      query: parsePart(spec.schemas.query, { ...req.query }, 'query'),
      headers: parsePart(spec.schemas.headers, pickHeaders(req, spec.schemas.headers), 'header'),
      body: parsePart(spec.schemas.body, req.body, 'body'),
    } as Parsed<S>
    const reply = await spec.handle(input, req, res)
    if (reply.events) return streamEvents(res, reply)
    sendJson(res, reply)
  }
  router[spec.method](expressPath, handler)
}

/**
 * Writes a JSON reply in one go. Express's `res.json` would also hash every body for an
 * ETag and look at the request's freshness headers, a tenth of the cost of a REST request
 * under load, for answers (statuses of running work, results of writes) no cache may
 * reuse anyway.
 */
function sendJson(res: Response, reply: Reply): void {
  const body = JSON.stringify(reply.body) ?? 'null'
  res.writeHead(reply.status, {
    ...reply.headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  })
  res.end(body)
}

/** Answers with `text/event-stream` and hands the route a way to send events until it is done. */
async function streamEvents(res: Response, reply: Reply): Promise<void> {
  const gone = new AbortController()
  res.once('close', () => gone.abort())
  res.status(reply.status).set({
    ...reply.headers,
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    'X-Accel-Buffering': 'no',
  })
  res.flushHeaders()
  const send = (event: string, data: unknown) => {
    if (!gone.signal.aborted) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  }
  try {
    await reply.events?.(send, gone.signal)
  } finally {
    res.end()
  }
}

function parsePart(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issues = fieldIssues(result.error, where)
  const text = issues.map((i) => `${i.path}: ${i.message}`).join('; ')
  throw new ZartError('INVALID_INPUT', `invalid request: ${text}`, { issues })
}

/** Only the headers a route declares, by their lower-case names. */
function pickHeaders(req: Request, schema: z.ZodObject | undefined): Record<string, unknown> {
  if (!schema) return {}
  const out: Record<string, unknown> = {}
  for (const name of Object.keys(schema.shape)) if (req.headers[name] !== undefined) out[name] = req.headers[name]
  return out
}
