import type { RequestHandler } from 'express'
import type { Zart } from '../../client/zart.ts'
import { silentLogger, type Logger } from '../../engine/logger.ts'
import { problem, sendProblem, toProblem } from './problem.ts'

/**
 * `GET /readyz`: 200 when the database answers and its schema is current, else 503 with
 * a problem saying why. Results are reused for a second so that probes under load cost
 * at most one check a second.
 */
export function readyHandler(zart: Zart, logger: Logger = silentLogger): RequestHandler {
  let last: {
    at: number
    result: Promise<{ ok: true; body: unknown } | { ok: false; detail: string; code: string }>
  } | null = null
  const check = () =>
    zart.ready().then(
      (state) => ({ ok: true as const, body: { status: 'ready', ...state } }),
      (error: unknown) => {
        const { problem: p } = toProblem(error, logger)
        return { ok: false as const, detail: p.detail, code: p.code }
      },
    )
  return (req, res, next) => {
    if (req.path !== '/' || (req.method !== 'GET' && req.method !== 'HEAD')) return next()
    if (!last || Date.now() - last.at > 1_000) last = { at: Date.now(), result: check() }
    void last.result.then((state) => {
      if (state.ok) return void res.json(state.body)
      sendProblem(res, problem('NOT_READY', `not ready: ${state.detail}`, { cause: state.code }), {
        'Retry-After': '5',
      })
    })
  }
}
