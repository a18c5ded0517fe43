import type { RequestHandler } from 'express'
import type { Logger } from '../../engine/logger.ts'

/**
 * One log line per request when it ends: method, path (no query: it may carry event ids),
 * status, duration, the problem code when it failed, and the execution id when the request
 * was about one. Debug for normal traffic, warn for server errors, so a busy server's log
 * stays quiet at the default level.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now()
    const path = req.originalUrl.split('?')[0]
    res.once('close', () => {
      const fields: Record<string, unknown> = {
        method: req.method,
        path,
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
      }
      if (typeof res.locals.execution === 'string') fields.execution = res.locals.execution
      if (typeof res.locals.code === 'string') fields.code = res.locals.code
      if (!res.writableFinished) fields.aborted = true
      if (res.statusCode >= 500) logger.warn('http request', fields)
      else logger.debug('http request', fields)
    })
    next()
  }
}
