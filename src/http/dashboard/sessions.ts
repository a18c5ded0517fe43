import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** The name of the dashboard's session cookie. */
export const SESSION_COOKIE = 'zart_session'

/** How long a browser stays signed in (7 days). */
export const SESSION_MS = 7 * 24 * 60 * 60 * 1000

/** How long the one-time link `zart serve` prints stays usable (15 minutes). */
export const ONE_TIME_CODE_MS = 15 * 60 * 1000

/**
 * Browser sessions of a server started with a token. The cookie holds an expiry and an
 * HMAC of it under a key derived from the token, never the token itself: it needs no
 * server-side table, survives a restart, works on every `zart serve` sharing the token,
 * and a new token signs everyone out. One-time codes (for the link `zart serve` prints)
 * live in memory and are forgotten once used or expired.
 */
export class DashboardSessions {
  private readonly key: Buffer
  private readonly tokenDigest: Buffer
  private readonly codes = new Map<string, number>()
  private readonly now: () => number

  constructor(token: string, now: () => number = Date.now) {
    this.now = now
    this.key = createHash('sha256').update('zart dashboard session\0').update(token).digest()
    this.tokenDigest = digest(token)
  }

  /** A new cookie value, good for `SESSION_MS`. */
  issue(): string {
    const expires = String(this.now() + SESSION_MS)
    return `${expires}.${this.sign(expires)}`
  }

  /** True for a cookie value this server issued that has not expired. */
  verify(value: string | undefined): boolean {
    const [expires, signature, extra] = (value ?? '').split('.')
    if (!expires || !signature || extra !== undefined || !/^\d+$/.test(expires)) return false
    if (Number(expires) <= this.now()) return false
    return sameBytes(Buffer.from(signature), Buffer.from(this.sign(expires)))
  }

  /** Compares a token typed into the login form with the server's, in constant time. */
  tokenMatches(given: string): boolean {
    return timingSafeEqual(digest(given), this.tokenDigest)
  }

  /** A fresh one-time code for a login link; it works once, within `ONE_TIME_CODE_MS`. */
  oneTimeCode(): string {
    this.forgetExpired()
    const code = randomBytes(24).toString('base64url')
    this.codes.set(digest(code).toString('hex'), this.now() + ONE_TIME_CODE_MS)
    return code
  }

  /** Uses up a one-time code: true the first time, within its lifetime; false ever after. */
  redeem(code: string): boolean {
    this.forgetExpired()
    const key = digest(code).toString('hex')
    const expires = this.codes.get(key)
    this.codes.delete(key)
    return expires !== undefined && expires > this.now()
  }

  private sign(expires: string): string {
    return createHmac('sha256', this.key).update(expires).digest('base64url')
  }

  private forgetExpired(): void {
    const now = this.now()
    for (const [code, expires] of this.codes) if (expires <= now) this.codes.delete(code)
  }
}

/** The value of one cookie in a `Cookie` header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=')
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim()
  }
  return undefined
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}
