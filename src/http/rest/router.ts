import { setLongTimeout, type LongTimer } from '../../timers.ts'
import { createRequire } from 'node:module'
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express'
import type { Zart } from '../../client/zart.ts'
import { silentLogger, type Logger } from '../../engine/logger.ts'
import { DEFAULT_REST_LIMITS, WaitSlots, type RestContext, type RestLimits } from './context.ts'
import { eventRoutes } from './events.ts'
import { executionRoutes } from './executions.ts'
import { scheduleRoutes } from './schedules.ts'
import { openApiDocument } from './openapi.ts'
import { HttpProblem, sendProblem, toProblem } from './problem.ts'
import { requestLog } from './request-log.ts'
import { mountRoute, type RouteSpec } from './route.ts'
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
  readonly router: Router
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
  let active = 0
  let idle: (() => void) | null = null

  const router = express.Router()
  router.use((req, res, next) => {
    if (shutdown.signal.aborted) {
      res.set('Connection', 'close')
      return next(
        new HttpProblem(
          'SHUTTING_DOWN',
          'zart serve is shutting down: retry against another instance or once it is back',
          { 'Retry-After': '5' },
        ),
      )
    }
    active++
    res.once('close', () => {
      if (--active === 0) idle?.()
    })
    next()
  })
  router.use(requestLog(logger))
  router.use(
    express.json({ limit: limits.maxBodyBytes, strict: false, type: ['application/json', 'application/*+json'] }),
  )
  router.use(requireJsonBody)
  router.get('/openapi.json', (_req, res) => {
    res.json(openapi)
  })
  for (const spec of routes) mountRoute(router, spec)
  router.use(unmatched(routes))
  router.use(problems(logger))

  return {
    router,
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

/** A body that express.json did not read (not JSON) is refused rather than ignored. */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0
  if (req.body === undefined && hasBody) {
    return next(
      new HttpProblem(
        'UNSUPPORTED_MEDIA_TYPE',
        `the body is ${req.headers['content-type'] ?? 'untyped'}: send JSON with Content-Type: application/json`,
      ),
    )
  }
  next()
}

/** 405 for a known path with another method, 404 for anything else under /api/v1. */
function unmatched(routes: readonly RouteSpec[]): RequestHandler {
  const patterns = routes.map((spec) => ({
    method: spec.method.toUpperCase(),
    regex: new RegExp(`^${spec.path.replace(/\{\w+\}/g, '[^/]+')}/?$`),
  }))
  patterns.push({ method: 'GET', regex: /^\/openapi\.json$/ })
  return (req, _res, next) => {
    const allowed = patterns.filter((p) => p.regex.test(req.path)).map((p) => p.method)
    if (allowed.length > 0) {
      return next(
        new HttpProblem('METHOD_NOT_ALLOWED', `${req.method} is not allowed here: use ${allowed.join(' or ')}`, {
          Allow: allowed.join(', '),
        }),
      )
    }
    next(
      new HttpProblem(
        'ROUTE_NOT_FOUND',
        `no route ${req.method} /api/v1${req.path}: see GET /api/v1/openapi.json for the routes`,
      ),
    )
  }
}

function problems(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error)
    const { problem: body, headers } = toProblem(error, logger)
    res.locals.code = body.code
    sendProblem(res, body, headers)
  }
}
