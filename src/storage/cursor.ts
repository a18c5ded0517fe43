import { ZartError } from '../errors.ts'

/** List cursors are opaque to callers: the position of the last row seen, base64url. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`s:${seq}`).toString('base64url')
}

export function decodeCursor(cursor: string): number {
  const match = /^s:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString())
  if (!match) {
    throw new ZartError(
      'INVALID_INPUT',
      `cursor ${JSON.stringify(cursor)} is not valid: pass the next_cursor of a previous page, or omit it to start from the newest`,
    )
  }
  return Number(match[1])
}
