import { randomUUID } from 'node:crypto'
import express, {
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { hostHeaderValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js'
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js'
import type { Zart } from '../client/zart.ts'
import { silentLogger } from '../engine/logger.ts'
import { createMcpServer, type McpServerOptions } from './create-server.ts'
import { taskOwner } from './task-store.ts'

export interface McpHttpOptions extends McpServerOptions {
  /** A Streamable HTTP session with no request for this long (and no open stream) is closed, in ms (default 30 min). */
  sessionIdleMs?: number
  /** Largest JSON-RPC body accepted (default 4 MB). */
  maxBodyBytes?: number
}

/** The MCP endpoints of `zart serve`, ready to mount on an express app at `/`. */
export interface McpHttpEndpoints {
  /** `POST|GET|DELETE /mcp` (Streamable HTTP), `GET /sse` + `POST /messages` (legacy SSE). */
  readonly router: Router
  /** Open sessions by transport, for `/healthz` and tests. */
  sessions(): { streamable: number; sse: number }
  /** Closes every session. */
  close(): Promise<void>
}

interface Session {
  kind: 'streamable' | 'sse'
  server: McpServer
  transport: StreamableHTTPServerTransport | SSEServerTransport
  lastSeen: number
  /** Requests and streams open now; a session is never idle while one is. */
  open: number
}

/**
 * Serves MCP over HTTP: one McpServer per session, made by `createMcpServer`, all on one
 * client. Sessions end when the client deletes them (Streamable HTTP), drops its stream
 * (SSE), or goes quiet for `sessionIdleMs`.
 */
export function createMcpHttpEndpoints(zart: Zart, options: McpHttpOptions = {}): McpHttpEndpoints {
  const logger = options.logger ?? silentLogger
  const idleMs = options.sessionIdleMs ?? 30 * 60_000
  const sessions = new Map<string, Session>()
  const router = express.Router()
  router.use(express.json({ limit: options.maxBodyBytes ?? 4 * 1024 * 1024 }))

  const drop = (id: string) => {
    const session = sessions.get(id)
    if (!session) return
    sessions.delete(id) // first, so the close below cannot come back here
    logger.debug('mcp session closed', { session: id, transport: session.kind })
    void session.server.close().catch(() => undefined)
  }
  const track = (session: Session, res: Response) => {
    session.open++
    session.lastSeen = Date.now()
    res.once('close', () => {
      session.open--
      session.lastSeen = Date.now()
    })
  }

  const streamable: RequestHandler = async (req, res) => {
    const id = req.header('mcp-session-id')
    if (id !== undefined) {
      const session = sessions.get(id)
      if (!session || session.kind !== 'streamable') {
        return rpcError(
          res,
          404,
          -32001,
          'session not found (it ended or the server restarted): start a new session with initialize',
        )
      }
      track(session, res)
      return (session.transport as StreamableHTTPServerTransport).handleRequest(req, res, req.body)
    }
    if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
      return rpcError(res, 400, -32000, 'no mcp-session-id header: start a session with an initialize request')
    }
    // Tasks are bound to the bearer token the session was opened with (checked before this).
    const server = createMcpServer(zart, { ...options, taskOwner: taskOwner(req.header('authorization')) })
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (sid) => {
        const session: Session = { kind: 'streamable', server, transport, lastSeen: Date.now(), open: 0 }
        sessions.set(sid, session)
        track(session, res)
        logger.debug('mcp session opened', { session: sid, transport: 'streamable' })
      },
      onsessionclosed: (sid) => drop(sid),
    })
    transport.onclose = () => {
      if (transport.sessionId) drop(transport.sessionId)
    }
    await server.connect(transport)
    await transport.handleRequest(req, res, req.body)
    if (!transport.sessionId || !sessions.has(transport.sessionId)) await server.close() // initialize failed
  }
  router.post('/mcp', streamable)
  router.get('/mcp', streamable)
  router.delete('/mcp', streamable)

  router.get('/sse', async (req, res) => {
    const server = createMcpServer(zart, { ...options, taskOwner: taskOwner(req.header('authorization')) })
    const transport = new SSEServerTransport('/messages', res)
    const session: Session = { kind: 'sse', server, transport, lastSeen: Date.now(), open: 0 }
    sessions.set(transport.sessionId, session)
    track(session, res)
    // The stream is the session: when the client goes away, so does the session.
    res.once('close', () => drop(transport.sessionId))
    transport.onclose = () => drop(transport.sessionId)
    await server.connect(transport)
    logger.debug('mcp session opened', { session: transport.sessionId, transport: 'sse' })
  })
  router.post('/messages', async (req, res) => {
    const id = typeof req.query.sessionId === 'string' ? req.query.sessionId : ''
    const session = sessions.get(id)
    if (!session || session.kind !== 'sse')
      return rpcError(res, 404, -32001, 'unknown sessionId: open a new stream with GET /sse')
    session.lastSeen = Date.now()
    await (session.transport as SSEServerTransport).handlePostMessage(req, res, req.body)
  })
  router.use(bodyErrors)

  const sweep = setInterval(
    () => {
      const now = Date.now()
      for (const [id, session] of sessions) {
        if (session.kind === 'streamable' && session.open === 0 && now - session.lastSeen > idleMs) drop(id)
      }
    },
    Math.max(200, Math.min(idleMs / 2, 60_000)),
  ).unref()

  return {
    router,
    sessions() {
      let sse = 0
      for (const session of sessions.values()) if (session.kind === 'sse') sse++
      return { streamable: sessions.size - sse, sse }
    },
    async close() {
      clearInterval(sweep)
      await Promise.all([...sessions.values()].map((s) => s.server.close().catch(() => undefined)))
      sessions.clear()
    },
  }
}

/**
 * The SDK's DNS-rebinding guard: refuses a request whose `Host` is not a loopback name
 * (while `host` is loopback) or one of `allowedHosts`. Returns null when the server
 * listens beyond loopback with no host list: its bearer token protects it then.
 */
export function hostGuard(host: string, allowedHosts: readonly string[] = []): RequestHandler | null {
  const names = allowedHostnames(host, allowedHosts)
  return names === null ? null : hostHeaderValidation([...names])
}

/**
 * The names a `Host` header may carry (port aside): loopback names while `host` is
 * loopback, plus `allowedHosts`. Null when there is nothing to check (see `hostGuard`).
 */
export function allowedHostnames(host: string, allowedHosts: readonly string[] = []): readonly string[] | null {
  // Host names are case-insensitive: `--allow-host Example.COM` must match `example.com`.
  const names = [...(isLoopback(host) ? LOOPBACK_NAMES : []), ...allowedHosts.map((h) => h.toLowerCase())]
  return names.length === 0 ? null : names
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]']

/** True for names and addresses that only reach this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host)
}

function rpcError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null })
}

/** A body that is not JSON, or too large, gets a JSON-RPC error instead of an HTML page. */
const bodyErrors: ErrorRequestHandler = (
  error: { status?: number; type?: string },
  _req: Request,
  res: Response,
  next,
) => {
  if (res.headersSent) return next(error)
  if (error.type === 'entity.too.large') return rpcError(res, 413, -32600, 'request body too large')
  if (error.status === 400) return rpcError(res, 400, -32700, 'parse error: the body is not valid JSON')
  return next(error)
}
