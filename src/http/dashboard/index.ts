import { readFileSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { fileURLToPath } from 'node:url'
import express, { type RequestHandler, type Response, type Router } from 'express'
import { loginPage } from './login-page.ts'
import { DashboardSessions, readCookie, SESSION_COOKIE, SESSION_MS } from './sessions.ts'

const PUBLIC = fileURLToPath(new URL('./public/', import.meta.url))

/** The paths of the dashboard's pages; each serves the same shell, whose script draws the page. */
export const DASHBOARD_PAGES = ['/', '/inbox', '/workflows', '/executions/:id']

/** The web dashboard of `zart serve`. */
export interface Dashboard {
  /** Pages, assets, `/login` and `/logout`. Mount before the token check: it does its own. */
  readonly router: Router
  /** True when the request carries a valid session cookie (always false without a token). */
  hasSession(req: IncomingMessage): boolean
  /** A one-time sign-in path such as `/login?code=…`, or null when the server has no token. */
  oneTimeLoginPath(): string | null
}

/**
 * The dashboard: static ES modules and one stylesheet that read and act only through the
 * REST API at `/api/v1`, so it adds no second path into the engine. With a token, pages
 * need a session cookie, got from the login form or from a one-time link; the cookie then
 * also stands for the bearer token on the API (see `startHttpServer`).
 *
 * @example
 * const dashboard = createDashboard({ token })
 * app.use(dashboard.router)
 */
export function createDashboard(options: { token?: string } = {}): Dashboard {
  const sessions = options.token === undefined ? null : new DashboardSessions(options.token)
  const shell = readFileSync(`${PUBLIC}index.html`, 'utf8')
  const hasSession = (req: IncomingMessage) => sessions?.verify(readCookie(req.headers.cookie, SESSION_COOKIE)) ?? false

  const router = express.Router()
  router.use('/assets', securityHeaders, express.static(PUBLIC, { index: false }))
  router.get(DASHBOARD_PAGES, securityHeaders, (req, res) => {
    if (sessions && !hasSession(req)) return sendLogin(res, 401, { next: req.originalUrl })
    res.type('html').send(shell)
  })
  if (sessions) {
    router.get('/login', securityHeaders, (req, res) => {
      const code = typeof req.query.code === 'string' ? req.query.code : undefined
      if (code === undefined) return sendLogin(res, 200, { next: '/' })
      if (!sessions.redeem(code)) {
        return sendLogin(res, 401, {
          next: '/',
          error: 'This sign-in link was used already or has expired. Sign in with the token instead.',
        })
      }
      signIn(res, sessions, '/')
    })
    router.post('/login', securityHeaders, express.urlencoded({ extended: false, limit: '8kb' }), (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>
      const next = safeNext(body.next)
      if (typeof body.token !== 'string' || !sessions.tokenMatches(body.token)) {
        return sendLogin(res, 401, { next, error: 'That token is not the one this server was started with.' })
      }
      signIn(res, sessions, next)
    })
    router.post('/logout', (_req, res) => {
      res.cookie(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', maxAge: 0 })
      res.redirect(303, '/login')
    })
  }
  return {
    router,
    hasSession,
    oneTimeLoginPath: () => (sessions ? `/login?code=${sessions.oneTimeCode()}` : null),
  }
}

function signIn(res: Response, sessions: DashboardSessions, next: string): void {
  res.cookie(SESSION_COOKIE, sessions.issue(), { httpOnly: true, sameSite: 'strict', path: '/', maxAge: SESSION_MS })
  // A redirect, so the one-time code leaves the address bar and the history.
  res.redirect(303, next)
}

function sendLogin(res: Response, status: number, options: { next: string; error?: string }): void {
  res.status(status).type('html').send(loginPage(options))
}

/** Only a path on this server: `//evil.example` or a full URL would make the login an open redirect. */
function safeNext(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.includes('\\')
    ? value
    : '/'
}

/**
 * Everything comes from this server (no external requests), pages cannot be framed, and
 * no Referer carries a one-time code to another site. (`same-origin`, not `no-referrer`:
 * with no referrer at all, Chromium sends `Origin: null` on the login form's POST.)
 */
const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'Content-Security-Policy':
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
      "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  })
  next()
}
