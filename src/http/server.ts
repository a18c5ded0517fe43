import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express'
import type { Zart } from '../client/zart.ts'
import { ZartError } from '../errors.ts'
import { problem, sendProblem } from './rest/problem.ts'
import { silentLogger, type Logger } from '../engine/logger.ts'
import { createDashboard, type Dashboard } from './dashboard/index.ts'
import { allowedHostnames, createMcpHttpEndpoints, hostGuard, isLoopback, type McpHttpOptions } from '../mcp/http.ts'

/** The default port of `zart serve`. */
export const DEFAULT_PORT = 7420

export interface HttpServerOptions {
  zart: Zart
  /** Interface to listen on (default 127.0.0.1). Anything but loopback requires `token`. */
  host?: string
  /** Port (default 7420; 0 picks a free one). */
  port?: number
  /** When set, every request but `/healthz` needs `Authorization: Bearer <token>`. */
  token?: string
  /** Host names accepted in the `Host` header (default: loopback names when bound to loopback). */
  allowedHosts?: readonly string[]
  /** Browser origins allowed besides loopback ones (requests without `Origin` are not browsers and pass). */
  allowedOrigins?: readonly string[]
  logger?: Logger
  /** Options of the MCP endpoints (session idle time, body size, wait progress...). */
  mcp?: Omit<McpHttpOptions, 'logger'>
  /**
   * More routes on the same port, mounted after the host, origin and token checks, e.g.
   * `[['/api/v1', restApi]]`. This is where the REST API plugs in. A `NodeHandler` is
   * called straight from Node's server for requests that pass those checks, without
   * express's set-up of every request (which cost a REST call more than its route did).
   */
  routes?: ReadonlyArray<readonly [path: string, handler: RequestHandler | NodeHandler]>
  /**
   * Serve the web dashboard at `/` (default false). With a token, its pages need a session
   * cookie (login form or one-time link), which then also passes the API's token check.
   */
  dashboard?: boolean
}

/** A handler that needs nothing of express: Node's own request and response only. */
export interface NodeHandler {
  /** Answers a request; `url` is the request's URL relative to the path it is mounted at. */
  handle(req: IncomingMessage, res: ServerResponse, url: string): void
}

/** A listening `zart serve`. */
export interface HttpServer {
  readonly app: Express
  readonly server: Server
  /** Base URL, e.g. `http://127.0.0.1:7420`. */
  readonly url: string
  /** The dashboard, when `dashboard` was set. */
  readonly dashboard: Dashboard | null
  /** Open MCP sessions by transport. */
  sessions(): { streamable: number; sse: number }
  /** Ends every MCP session and stops listening. Does not close the client. */
  close(): Promise<void>
}

/**
 * Starts the HTTP front door on one port: MCP over Streamable HTTP (`/mcp`) and legacy SSE
 * (`/sse`, `/messages`), `GET /healthz`, and whatever `routes` add (the REST API).
 * Binds 127.0.0.1 unless told otherwise, and refuses any other interface without a token.
 *
 * @example
 * const http = await startHttpServer({ zart, port: 0 })
 * console.log(`${http.url}/mcp`)
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token === '' ? undefined : options.token
  if (!isLoopback(host) && token === undefined) {
    throw new ZartError(
      'INVALID_INPUT',
      `refusing to listen on ${host} without a token: anyone who can reach it could run workflows. Pass --token (or ZART_TOKEN), or listen on 127.0.0.1`,
    )
  }
  const logger = options.logger ?? silentLogger
  const mcp = createMcpHttpEndpoints(options.zart, { ...options.mcp, logger })
  const app = express()
  app.disable('x-powered-by')
  const hosts = allowedHostnames(host, options.allowedHosts)
  const hostOk = hosts ? hostAllowed(hosts) : () => true
  const originOk = originAllowed(options.allowedOrigins ?? [])
  if (hosts) app.use(hostCheck(hostOk))
  // The SDK's own guard stays behind ours as defence in depth; ours answers first, so a
  // refusal reads like every other error of this server (problem+json, not JSON-RPC).
  const guard = hostGuard(host, options.allowedHosts)
  if (guard) app.use(guard)
  app.use(originCheck(originOk))
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', sessions: mcp.sessions() })
  })
  const dashboard = options.dashboard ? createDashboard(token === undefined ? {} : { token }) : null
  // The dashboard checks sessions itself, so that a browser without one gets the login page.
  if (dashboard) app.use(dashboard.router)
  const authorized = token === undefined ? () => true : tokenAccepted(token, dashboard)
  if (token !== undefined) app.use(bearerAuth(authorized))
  // Routes go before the MCP router: its JSON body parser (and its JSON-RPC errors for a
  // bad body) would otherwise apply to every request, the REST API's included.
  const direct: Array<{ path: string; handler: NodeHandler }> = []
  for (const [path, handler] of options.routes ?? []) {
    if (typeof handler === 'function') app.use(path, handler)
    else {
      direct.push({ path, handler })
      app.use(path, (req, res) => handler.handle(req, res, req.url))
    }
  }
  app.use(mcp.router)
  app.use(lastResort(logger))

  // Requests for a NodeHandler that pass the same checks express runs go to it at once.
  // Anything else, a refusal included, takes the express path, which answers it. (The
  // SDK's host guard is not asked again here: it checks the names `hostOk` just accepted.)
  const server = createServer((req, res) => {
    const url = req.url ?? '/'
    for (const { path, handler } of direct) {
      const next = url.charCodeAt(path.length)
      if (!url.startsWith(path) || !(Number.isNaN(next) || next === SLASH || next === QUESTION)) continue
      if (hostOk(req.headers.host) && originOk(req) && authorized(req)) {
        const rest = url.slice(path.length)
        return handler.handle(req, res, rest.startsWith('/') ? rest : `/${rest}`)
      }
      break
    }
    app(req, res)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
  return {
    app,
    server,
    url,
    dashboard,
    sessions: () => mcp.sessions(),
    async close() {
      await mcp.close()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections() // open SSE streams would otherwise hold close() forever
      })
    },
  }
}

const SLASH = 0x2f
const QUESTION = 0x3f

/**
 * Whether a `Host` header names this server. DNS rebinding points a foreign name at
 * 127.0.0.1 so that a web page can reach a local zart as "its own" site. The port is
 * ignored, as in the SDK's guard, which checks the same names. Answers are remembered:
 * a server sees few distinct headers, and each is parsed as a URL.
 */
function hostAllowed(allowed: readonly string[]): (header: string | undefined) => boolean {
  const seen = new Map<string, boolean>()
  return (header) => {
    if (header === undefined) return false
    let ok = seen.get(header)
    if (ok === undefined) {
      const name = hostname(header)
      ok = name !== null && allowed.includes(name)
      if (seen.size >= 100) seen.clear()
      seen.set(header, ok)
    }
    return ok
  }
}

/** Refuses a `Host` this server does not answer to (see `hostAllowed`). */
function hostCheck(ok: (header: string | undefined) => boolean): RequestHandler {
  return (req, res, next) => {
    const header = req.header('host')
    if (ok(header)) return next()
    const detail =
      header === undefined
        ? 'the request has no Host header: send the name zart is reached by'
        : `host ${header} is not allowed: add it with --allow-host`
    sendProblem(res, problem('FORBIDDEN_HOST', detail))
  }
}

/** The host name of a `Host` header, without the port; null when it is not one. */
function hostname(header: string): string | null {
  try {
    return new URL(`http://${header}`).hostname
  } catch {
    return null
  }
}

/**
 * Whether a request may come from where it says. Browsers send `Origin` on cross-site
 * requests; a page on a foreign site must not drive a local zart through the user's browser.
 */
function originAllowed(allowed: readonly string[]): (req: IncomingMessage) => boolean {
  return (req) => {
    const origin = req.headers.origin
    return (
      origin === undefined || allowed.includes(origin) || loopbackOrigin(origin) || sameOrigin(origin, req.headers.host)
    )
  }
}

/** Refuses requests from web pages of other sites (see `originAllowed`). */
function originCheck(ok: (req: IncomingMessage) => boolean): RequestHandler {
  return (req, res, next) => {
    if (ok(req)) return next()
    sendProblem(
      res,
      problem('FORBIDDEN_ORIGIN', `origin ${req.header('origin')} is not allowed: add it with --allow-origin`),
    )
  }
}

/**
 * A page served by this very server (the dashboard) under a name the Host check let in.
 * A rebinding page cannot pass as one: its Host is the foreign name, refused before this;
 * and a server with no host list has a token, which such a page lacks (the browser keeps
 * the session cookie for the real name).
 */
function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase()
  } catch {
    return false
  }
}

function loopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin)
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopback(url.hostname)
  } catch {
    return false
  }
}

/**
 * Whether a request shows the token: `Authorization: Bearer <token>`, checked in constant
 * time (digests make the lengths equal). A dashboard session cookie stands for the token:
 * the browser got it by showing the token (or a one-time code) once, and it is HttpOnly
 * and SameSite=Strict.
 */
function tokenAccepted(token: string, dashboard: Dashboard | null): (req: IncomingMessage) => boolean {
  const expected = createHash('sha256').update(token).digest()
  return (req) => {
    const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')
    const given = createHash('sha256')
      .update(match?.[1] ?? '')
      .digest()
    if (match && timingSafeEqual(given, expected)) return true
    return !match && (dashboard?.hasSession(req) ?? false)
  }
}

/** Refuses a request without the token (see `tokenAccepted`). */
function bearerAuth(ok: (req: IncomingMessage) => boolean): RequestHandler {
  return (req, res, next) => {
    if (ok(req)) return next()
    sendProblem(
      res,
      problem(
        'UNAUTHORIZED',
        'missing or wrong bearer token: send Authorization: Bearer <the token zart serve was started with>',
      ),
      { 'WWW-Authenticate': 'Bearer realm="zart"' },
    )
  }
}

/** Anything unhandled: logged here, a generic 500 to the caller, never a stack trace. */
function lastResort(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    logger.error('http request failed', {
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    })
    if (res.headersSent) return next(error)
    res
      .status(500)
      .json({ error: { code: 'INTERNAL', message: 'zart hit an internal error; details are in the server log' } })
  }
}
