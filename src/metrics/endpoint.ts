import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ZartError } from '../errors.ts'
import type { PrometheusMetrics } from './prometheus.ts'

/**
 * `GET /metrics` in Prometheus's text format. A plain Node handler, so `zart serve` mounts
 * it behind its own checks (host, origin, token) and `zart worker` serves it alone.
 */
export function metricsHandler(metrics: PrometheusMetrics): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('use GET\n')
      return
    }
    metrics.scrape().then(
      (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(req.method === 'HEAD' ? '' : text),
      (error: unknown) =>
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(error)}\n`),
    )
  }
}

export interface MetricsServerOptions {
  metrics: PrometheusMetrics
  /** Default 127.0.0.1; anything but loopback requires `token`. */
  host?: string
  /** 0 picks a free port. */
  port: number
  /** When set, a scrape needs `Authorization: Bearer <token>`. */
  token?: string | undefined
}

/** The metrics endpoint of `zart worker --metrics-port`: `/metrics` and nothing else. */
export async function startMetricsServer(
  options: MetricsServerOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token === '' ? undefined : options.token
  if (!isLoopback(host) && token === undefined) {
    throw new ZartError(
      'INVALID_INPUT',
      `refusing to serve metrics on ${host} without a token: pass --token (or ZART_TOKEN), or keep --metrics-host 127.0.0.1`,
    )
  }
  const expected = token === undefined ? undefined : digest(token)
  const handler = metricsHandler(options.metrics)
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only /metrics here\n')
      return
    }
    if (expected) {
      const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')
      if (!match || !timingSafeEqual(digest(match[1] ?? ''), expected)) {
        res
          .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="zart"' })
          .end('missing or wrong bearer token: send Authorization: Bearer <the token the worker was started with>\n')
        return
      }
    }
    handler(req, res)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${shown}:${address.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/** The same rule as `zart serve`'s (src/mcp/http.ts), kept here so a worker loads no HTTP framework. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host)
}
