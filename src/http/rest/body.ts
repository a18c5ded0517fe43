import type { IncomingMessage, ServerResponse } from 'node:http'
import express, { type Request, type Response } from 'express'
import { HttpProblem } from './problem.ts'

/**
 * A reader of JSON request bodies: express.json (body-parser), made once and called on
 * Node's own request, so the REST API keeps its rules without express's set-up of every
 * request. Only `application/json` and `application/*+json` bodies are read, at most
 * `limit` bytes once decoded; an empty one reads as `{}`. Resolves `undefined` when there
 * is no body, and refuses one of another type with 415 rather than ignoring it.
 *
 * body-parser's errors carry `type` and `status`, which `toProblem` answers (413
 * PAYLOAD_TOO_LARGE, 400 INVALID_INPUT, 415 UNSUPPORTED_MEDIA_TYPE).
 */
export function jsonBodyReader(limit: number): (req: IncomingMessage, res: ServerResponse) => Promise<unknown> {
  const parse = express.json({ limit, strict: false, type: ['application/json', 'application/*+json'] })
  return (req, res) =>
    new Promise((resolve, reject) => {
      parse(req as Request, res as Response, (error?: unknown) => {
        if (error) return reject(error)
        const body = (req as { body?: unknown }).body
        const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0
        if (body !== undefined || !hasBody) return resolve(body)
        reject(
          new HttpProblem(
            'UNSUPPORTED_MEDIA_TYPE',
            `the body is ${req.headers['content-type'] ?? 'untyped'}: send JSON with Content-Type: application/json`,
          ),
        )
      })
    })
}
