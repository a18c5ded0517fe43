import { setLongTimeout, type LongTimer } from '../../timers.ts'
import { createRequire } from 'node:module'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { parse as parseQuery } from 'node:querystring'
import type { RequestHandler } from 'express'
import { jsonBodyReader } from './body.ts'
import type { Zart } from '../../client/zart.ts'
import { silentLogger, type Logger } from '../../engine/logger.ts'
import { DEFAULT_REST_LIMITS, WaitSlots, type RestContext, type RestLimits } from './context.ts'
import { eventRoutes } from './events.ts'
import { executionRoutes } from './executions.ts'
import { scheduleRoutes } from './schedules.ts'
import { openApiDocument } from './openapi.ts'
import { HttpProblem, sendProblem, toProblem } from './problem.ts'
import { compileRoute, pathParams, runRoute, sendText, type RequestNote, type RouteSpec } from './route.ts'
import { workflowRoutes } from './workflows.ts'
import { queueRoutes } from './queues.ts'

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string }

export interface RestApiOptions {
  logger?: Logger
  limits?: Partial<RestLimits>
  /** The dashboard page of an execution; when it answers, status carries it as `dashboard_url`. */
  dashboardUrl?: (executionId: string) => string | undefined
}

/** The REST API, ready to mount at `/api/v1` (e.g. through `startHttpServer({ routes })`). */
export interface RestApi {
  /** The API as express middleware, for `app.use('/api/v1', api.router)`. */
  readonly router: RequestHandler
  /**
   * The API on Node's own request and response, `url` relative to where it is mounted:
   * what `zart serve` calls, without express's set-up of every request.
   */
  handle(req: IncomingMessage, res: ServerResponse, url?: string): void
  /** Every operation, as the OpenAPI document lists it. */
  readonly routes: readonly RouteSpec[]
  /** The OpenAPI 3.1 document served at `/api/v1/openapi.json`. */
  readonly openapi: Record<string, unknown>
  /** Requests being answered now (long polls included). */
  inFlight(): number
  /**
   * Starts shutting down: new requests get 503 SHUTTING_DOWN, open waits return their
   * current status at once, and the promise resolves when the requests in flight are
   * answered or `graceMs` has passed.
   */
  drain(graceMs: number): Promise<void>
}

/**
 * Builds the REST API over a client. Each route is a thin shell: validate with the
 * shared zod schemas, call the client, answer JSON; every error is an RFC 9457 problem.
 *
 * @example
 * const api = createRestApi(zart, { logger })
 * await startHttpServer({ zart, routes: [['/api/v1', api.router]] })
 */
export function createRestApi(zart: Zart, options: RestApiOptions = {}): RestApi {
  const logger = options.logger ?? silentLogger
  const limits: RestLimits = { ...DEFAULT_REST_LIMITS, ...options.limits }
  const shutdown = new AbortController()
  const context: RestContext = {
    zart,
    logger,
    limits,
    waits: new WaitSlots(limits.maxWaits),
    shutdown: shutdown.signal,
    dashboardUrl: options.dashboardUrl,
  }
  const routes = [
    ...executionRoutes(context),
    ...eventRoutes(context),
    ...workflowRoutes(context),
    ...scheduleRoutes(context),
    ...queueRoutes(context),
  ]
  const openapi = openApiDocument(routes, { version })
  const compiled = routes.map(compileRoute)
  const readBody = jsonBodyReader(limits.maxBodyBytes)
  const openapiJson = JSON.stringify(openapi)
  let active = 0
  let idle: (() => void) | null = null

  /** Answers one request whose `url` is relative to where the API is mounted (`/executions/…`). */
  const handle = (req: IncomingMessage, res: ServerResponse, url: string = req.url ?? '/'): void => {
    if (shutdown.signal.aborted) {
      res.setHeader('Connection', 'close')
      const { problem: body, headers } = toProblem(
        new HttpProblem(
          'SHUTTING_DOWN',
          'zart serve is shutting down: retry against another instance or once it is back',
          { 'Retry-After': '5' },
        ),
        logger,
      )
      return sendProblem(res, body, headers)
    }
    active++
    const log: RequestNote = {}
    const started = performance.now()
    res.on('close', () => {
      if (--active === 0) idle?.()
      logRequest(logger, req, res, log, started)
    })
    answer(req, res, url, log).catch((error: unknown) => {
      if (res.headersSent) {
        logger.error('http request failed', {
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        })
        return void res.destroy()
      }
      const { problem: body, headers } = toProblem(error, logger)
      log.code = body.code
      sendProblem(res, body, headers)
    })
  }

  /** Body first (a bad one is refused whatever the route), then the route, or 404/405. */
  const answer = async (req: IncomingMessage, res: ServerResponse, url: string, log: RequestNote): Promise<void> => {
    const at = url.indexOf('?')
    const path = at < 0 ? url : url.slice(0, at)
    const body = await readBody(req, res)
    // HEAD is answered as GET, without the body (Node leaves it out), as express did.
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET')
    if (method === 'GET' && OPENAPI_PATH.test(path))
      return sendText(res, 200, openapiJson, 'application/json; charset=utf-8')
    for (const route of compiled) {
      if (route.method !== method) continue
      const match = route.regex.exec(path)
      if (!match) continue
      const query = at < 0 ? {} : { ...parseQuery(url.slice(at + 1)) }
      return runRoute(route.spec, { params: pathParams(route, match), query, headers: req.headers, body }, { res, log })
    }
    const allowed = compiled.filter((route) => route.regex.test(path)).map((route) => route.method)
    if (OPENAPI_PATH.test(path)) allowed.push('GET')
    if (allowed.length > 0) {
      throw new HttpProblem('METHOD_NOT_ALLOWED', `${req.method} is not allowed here: use ${allowed.join(' or ')}`, {
        Allow: allowed.join(', '),
      })
    }
    throw new HttpProblem(
      'ROUTE_NOT_FOUND',
      `no route ${req.method} /api/v1${path}: see GET /api/v1/openapi.json for the routes`,
    )
  }

  return {
    router: (req, res) => handle(req, res),
    handle,
    routes,
    openapi,
    inFlight: () => active,
    async drain(graceMs) {
      shutdown.abort()
      if (active === 0) return
      let timer: LongTimer | undefined
      await Promise.race([
        new Promise<void>((resolve) => (idle = resolve)),
        new Promise<void>((resolve) => (timer = setLongTimeout(resolve, graceMs))),
      ])
      timer?.clear()
      if (active > 0) logger.warn('rest requests still open after the grace period', { count: active })
    },
  }
}

const OPENAPI_PATH = /^\/openapi\.json\/?$/i

/**
 * One log line per request when it ends: method, path (no query: it may carry event ids),
 * status, duration, the problem code when it failed, and the execution id when the request
 * was about one. Debug for normal traffic, warn for server errors, so a busy server's log
 * stays quiet at the default level.
 */
function logRequest(
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  log: RequestNote,
  started: number,
): void {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? ''
  const at = url.indexOf('?')
  const fields: Record<string, unknown> = {
    method: req.method,
    path: at < 0 ? url : url.slice(0, at),
    status: res.statusCode,
    ms: Math.round((performance.now() - started) * 10) / 10,
  }
  if (log.execution !== undefined) fields.execution = log.execution
  if (log.code !== undefined) fields.code = log.code
  if (!res.writableFinished) fields.aborted = true
  if (res.statusCode >= 500) logger.warn('http request', fields)
  else logger.debug('http request', fields)
}
