import type { ServerResponse } from 'node:http'
import { asZartError, type ErrorCode, type FieldIssue } from '../../errors.ts'
import type { Logger } from '../../engine/logger.ts'

/**
 * Codes only the HTTP door can produce, beside the client's own `ErrorCode`s: they are
 * about the request itself (a route that does not exist, a body that is not JSON, a
 * server that is shutting down), never about executions.
 */
export type HttpOnlyCode =
  | 'ROUTE_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'TOO_MANY_WAITS'
  | 'SHUTTING_DOWN'
  | 'NOT_READY'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN_ORIGIN'
  | 'FORBIDDEN_HOST'

export type ProblemCode = ErrorCode | HttpOnlyCode

/**
 * The one table from error code to HTTP status. The same codes reach CLI users as exit
 * codes (`src/cli/exit-codes.ts`) and MCP clients as `isError` results.
 */
export const HTTP_STATUS: Record<ProblemCode, number> = {
  INVALID_INPUT: 400,
  UNKNOWN_WORKFLOW: 422,
  EXECUTION_NOT_FOUND: 404,
  SCHEDULE_NOT_FOUND: 404,
  ID_CONFLICT: 409,
  EXECUTION_TERMINAL: 409,
  PAYLOAD_TOO_LARGE: 413,
  SCHEMA_TOO_NEW: 503,
  MIGRATIONS_PENDING: 503,
  UNSUPPORTED_DATABASE: 500,
  DATABASE_UNAVAILABLE: 503,
  STORE_REJECTED: 500,
  INTERNAL: 500,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_WAITS: 429,
  SHUTTING_DOWN: 503,
  NOT_READY: 503,
  UNAUTHORIZED: 401,
  FORBIDDEN_ORIGIN: 403,
  FORBIDDEN_HOST: 403,
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

/** An RFC 9457 problem document, with zart's stable `code` and, for bad input, each bad field. */
export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: ProblemCode
  errors?: FieldIssue[]
  [extension: string]: unknown
}

/** An error raised by the HTTP layer itself; the client's errors are ZartErrors. */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem'
  readonly code: HttpOnlyCode | ErrorCode
  readonly headers: Record<string, string>

  constructor(code: HttpOnlyCode | ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.code = code
    this.headers = headers
  }
}

const RESERVED = new Set(['type', 'title', 'status', 'detail', 'instance', 'code', 'errors'])

/** Builds the problem document for a code; `type` is a stable URN per code. */
export function problem(code: ProblemCode, detail: string, extensions: Record<string, unknown> = {}): Problem {
  const status = HTTP_STATUS[code]
  return {
    type: `urn:zart:problem:${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...extensions,
  }
}

/**
 * Turns anything a route threw into a problem. ZartErrors keep their code, message and
 * machine-readable details (field issues become `errors`); a database that does not answer
 * is DATABASE_UNAVAILABLE, with `Retry-After`; body-parser errors become
 * 400/413/415; anything else is logged and reported as INTERNAL, with no stack trace.
 */
export function toProblem(error: unknown, logger: Logger): { problem: Problem; headers: Record<string, string> } {
  const known = asZartError(error)
  if (known) {
    const { issues, ...details } = known.details ?? {}
    const extensions: Record<string, unknown> = {}
    // Details become extension members, except where a name is one of RFC 9457's own:
    // an execution's `status` must not replace the HTTP status.
    for (const [key, value] of Object.entries(details)) extensions[RESERVED.has(key) ? `execution_${key}` : key] = value
    if (Array.isArray(issues)) extensions.errors = issues
    if (known.code !== 'DATABASE_UNAVAILABLE')
      return { problem: problem(known.code, known.message, extensions), headers: {} }
    logger.warn('database unavailable', { error: String(error) })
    return { problem: problem(known.code, known.message, extensions), headers: { 'Retry-After': '2' } }
  }
  if (error instanceof HttpProblem) return { problem: problem(error.code, error.message), headers: error.headers }
  const parsed = bodyParserProblem(error)
  if (parsed) return { problem: parsed, headers: {} }
  logger.error('http request failed', {
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  })
  return {
    problem: problem(
      'INTERNAL',
      'zart hit an internal error; details are in the server log. Retry, checking first whether a schedule or event took effect',
    ),
    headers: {},
  }
}

/** Sends a problem as `application/problem+json`. */
export function sendProblem(res: ServerResponse, body: Problem, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(body.status, {
    ...headers,
    'Content-Type': 'application/problem+json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  })
  res.end(text)
}

/** Errors from express.json (body-parser) and from decoding the URL carry `type`/`status`. */
function bodyParserProblem(error: unknown): Problem | null {
  if (typeof error !== 'object' || error === null) return null
  const { type, status, limit } = error as { type?: unknown; status?: unknown; limit?: unknown }
  if (type === 'entity.too.large') {
    return problem(
      'PAYLOAD_TOO_LARGE',
      `the request body is over the limit of ${String(limit)} bytes: send less, or raise --max-body on zart serve`,
      { limit },
    )
  }
  if (type === 'entity.parse.failed') {
    const reason = error instanceof Error ? error.message : 'bad JSON'
    return problem(
      'INVALID_INPUT',
      `the body is not valid JSON (${reason}): send a JSON document with Content-Type: application/json`,
      {
        errors: [{ path: 'body', message: 'not valid JSON' }],
      },
    )
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return problem('UNSUPPORTED_MEDIA_TYPE', 'the body encoding or charset is not supported: send UTF-8 JSON')
  }
  if (error instanceof URIError || (status === 400 && error instanceof Error)) {
    return problem(
      'INVALID_INPUT',
      `the request could not be read (${error instanceof Error ? error.message : 'bad request'}): check the URL encoding and the body`,
    )
  }
  return null
}
