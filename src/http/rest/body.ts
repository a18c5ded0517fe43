import type { IncomingMessage } from 'node:http'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import type { Readable } from 'node:stream'
import { TextDecoder } from 'node:util'
import { HttpProblem } from './problem.ts'

/**
 * Reads a JSON request body, with the rules express.json() applied before (its set-up per
 * request cost more than the read): only `application/json` and `application/*+json`
 * bodies are read, in UTF-8 (or another UTF), optionally gzip, deflate or br encoded, at most `limit`
 * bytes once decoded; an empty one reads as `{}`. Resolves `undefined` when there is no
 * body, and refuses one of another type with 415 rather than ignoring it.
 *
 * Errors carry body-parser's `type` and `status`, so `toProblem` answers them as before
 * (413 PAYLOAD_TOO_LARGE, 400 INVALID_INPUT, 415 UNSUPPORTED_MEDIA_TYPE).
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const headers = req.headers
  const length = headers['content-length']
  const chunked = headers['transfer-encoding'] !== undefined
  if (!chunked && (length === undefined || length === '' || Number.isNaN(Number(length)))) return undefined
  const type = headers['content-type']
  if (type === undefined || !isJson(type)) {
    if (chunked || Number(length) > 0) {
      throw new HttpProblem(
        'UNSUPPORTED_MEDIA_TYPE',
        `the body is ${type ?? 'untyped'}: send JSON with Content-Type: application/json`,
      )
    }
    return undefined
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase() ?? 'utf-8'
  const decoder = charset === 'utf-8' ? null : unicodeDecoder(charset)
  const bytes = await readBytes(req, limit, chunked ? undefined : Number(length))
  const text = decoder ? decoder.decode(bytes) : bytes.toString('utf8')
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  if (json.length === 0) return {}
  try {
    return JSON.parse(json) as unknown
  } catch (error) {
    throw bodyError(error instanceof Error ? error.message : 'bad JSON', 400, 'entity.parse.failed')
  }
}

/** `application/json` or `application/<anything>+json`, parameters aside. */
function isJson(contentType: string): boolean {
  const at = contentType.indexOf(';')
  const media = (at < 0 ? contentType : contentType.slice(0, at)).trim().toLowerCase()
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'))
}

/** A decoder for a Unicode charset other than UTF-8 (UTF-16...); others are refused with 415. */
function unicodeDecoder(charset: string): TextDecoder {
  try {
    if (charset.startsWith('utf-')) return new TextDecoder(charset)
  } catch {
    // not one Node can decode: refused below
  }
  throw bodyError(`unsupported charset "${charset.toUpperCase()}"`, 415, 'charset.unsupported')
}

/** The body's bytes, decoded from its content encoding, refused past `limit` bytes. */
function readBytes(req: IncomingMessage, limit: number, length: number | undefined): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase()
  const identity = encoding === 'identity'
  if (identity && length !== undefined && length > limit) {
    req.resume() // let the rest of the request pass, so that the answer can be read
    return Promise.reject(tooLarge(limit))
  }
  const inflate =
    encoding === 'gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : null
  if (!identity && !inflate) {
    req.resume()
    return Promise.reject(bodyError(`unsupported content encoding "${encoding}"`, 415, 'encoding.unsupported'))
  }
  const stream: Readable = inflate ? req.pipe(inflate) : req
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let received = 0
    let done = false
    const finish = (error: Error | null) => {
      if (done) return
      done = true
      stream.off('data', onData)
      if (error) {
        req.resume()
        return reject(error)
      }
      if (identity && length !== undefined && received !== length) {
        return reject(bodyError('request size did not match content length', 400, 'request.size.invalid'))
      }
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks))
    }
    const onData = (chunk: Buffer) => {
      received += chunk.length
      if (received > limit) return finish(tooLarge(limit))
      chunks.push(chunk)
    }
    stream.on('data', onData)
    stream.once('end', () => finish(null))
    stream.once('error', (error: Error) => finish(bodyError(error.message, 400, 'request.invalid')))
    req.once('aborted', () => finish(bodyError('request aborted', 400, 'request.aborted')))
  })
}

function tooLarge(limit: number): Error {
  return Object.assign(bodyError('request entity too large', 413, 'entity.too.large'), { limit })
}

function bodyError(message: string, status: number, type: string): Error {
  return Object.assign(new Error(message), { status, type })
}
