import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
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
  method: 'get' | 'post' | 'put' | 'delete'
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
  handle(input: Parsed<S>, request: RouteRequest): Promise<Reply>
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

/** What a handler gets besides its validated input. */
export interface RouteRequest {
  /** The response: a long poll listens for `close` to stop when the caller hangs up. */
  readonly res: ServerResponse
  /** Fields of this request's log line, e.g. the execution it was about. */
  readonly log: RequestNote
}

/** What the request log says of a request beyond method, path and status. */
export interface RequestNote {
  execution?: string
  code?: string
}

/** A route ready to match: its method, a regular expression of its path and the names of its parameters. */
export interface CompiledRoute {
  readonly spec: RouteSpec
  readonly method: string
  readonly regex: RegExp
  readonly names: readonly string[]
}

/**
 * Compiles a route's path (`/executions/{id}`) to a regular expression matched against
 * the raw path: one segment per parameter, an optional trailing slash, any letter case,
 * as express matched them.
 */
export function compileRoute(spec: RouteSpec): CompiledRoute {
  const names: string[] = []
  const source = spec.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_match, name: string) => {
    names.push(name)
    return '([^/]+)'
  })
  return { spec, method: spec.method.toUpperCase(), regex: new RegExp(`^${source}/?$`, 'i'), names }
}

/** The route's path parameters of a matched path, decoded; a bad %-escape is a 400. */
export function pathParams(route: CompiledRoute, match: RegExpExecArray): Record<string, string> {
  const params: Record<string, string> = {}
  route.names.forEach((name, i) => {
    const raw = match[i + 1] ?? ''
    try {
      params[name] = decodeURIComponent(raw)
    } catch {
      throw Object.assign(new URIError(`Failed to decode param '${raw}'`), { status: 400 })
    }
  })
  return params
}

/** The parts of a request a route validates, as read from the wire. */
export interface RawInput {
  params: Record<string, string>
  query: Record<string, unknown>
  headers: IncomingHttpHeaders
  body: unknown
}

/** Runs a route: parse each part with its schema, call the handler, reply as JSON (or a stream). */
export async function runRoute(spec: RouteSpec, raw: RawInput, request: RouteRequest): Promise<void> {
  const input = {
    params: parsePart(spec.schemas.params, raw.params, 'path'),
    query: parsePart(spec.schemas.query, raw.query, 'query'),
    headers: parsePart(spec.schemas.headers, pickHeaders(raw.headers, spec.schemas.headers), 'header'),
    body: parsePart(spec.schemas.body, raw.body, 'body'),
  } as Parsed<RouteSchemas>
  const reply = await spec.handle(input, request)
  if (reply.events) return streamEvents(request.res, reply)
  sendJson(request.res, reply.status, reply.body, reply.headers)
}

/**
 * Writes a JSON reply in one go. Express's `res.json` would also hash every body for an
 * ETag and look at the request's freshness headers, a tenth of the cost of a REST request
 * under load, for answers (statuses of running work, results of writes) no cache may
 * reuse anyway.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  sendText(res, status, JSON.stringify(body) ?? 'null', 'application/json; charset=utf-8', headers)
}

/** Writes a reply already serialised, headers and body in one write. */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
  headers?: Record<string, string>,
): void {
  res.writeHead(status, { ...headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}

/** Answers with `text/event-stream` and hands the route a way to send events until it is done. */
async function streamEvents(res: ServerResponse, reply: Reply): Promise<void> {
  const gone = new AbortController()
  res.once('close', () => gone.abort())
  res.writeHead(reply.status, {
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
function pickHeaders(headers: IncomingHttpHeaders, schema: z.ZodObject | undefined): Record<string, unknown> {
  if (!schema) return {}
  const out: Record<string, unknown> = {}
  for (const name of Object.keys(schema.shape)) if (headers[name] !== undefined) out[name] = headers[name]
  return out
}
