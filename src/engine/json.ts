/**
 * Step results, inputs and outputs are stored as JSON. A value JSON cannot hold (a
 * function, a Date, a Map, a class instance, a BigInt, NaN, a cycle) is refused at the
 * step with a message that says where it is, instead of being silently changed.
 */
export class NotJsonError extends Error {
  override readonly name = 'NotJsonError'
}

function check(value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return
    case 'number':
      if (!Number.isFinite(value)) throw new NotJsonError(`${path} is ${value}, which JSON cannot hold`)
      return
    case 'undefined':
      return
    case 'object': {
      if (value === null) return
      if (seen.has(value)) throw new NotJsonError(`${path} refers back to itself (a cycle)`)
      seen.add(value)
      if (Array.isArray(value)) {
        value.forEach((item, i) => check(item, `${path}[${i}]`, seen))
      } else {
        const proto: unknown = Object.getPrototypeOf(value)
        if (proto !== Object.prototype && proto !== null) {
          const kind = (value as object).constructor?.name ?? 'object'
          throw new NotJsonError(
            `${path} is a ${kind}; return plain objects, arrays, strings, numbers, booleans or null (e.g. a Date as toISOString())`,
          )
        }
        for (const [k, v] of Object.entries(value)) check(v, `${path}.${k}`, seen)
      }
      seen.delete(value)
      return
    }
    default:
      throw new NotJsonError(`${path} is a ${typeof value}, which JSON cannot hold`)
  }
}

/**
 * Serializes `value` as JSON after checking nothing would be lost; `undefined` becomes
 * `null` text. Over `maxBytes` it is refused too: big results belong in a file or a
 * bucket, with a reference in the step result.
 */
export function toJson(value: unknown, what: string, maxBytes = Infinity): string {
  check(value, what, new Set())
  const json = JSON.stringify(value) ?? 'null'
  if (maxBytes !== Infinity && Buffer.byteLength(json) > maxBytes) {
    throw new NotJsonError(
      `${what} is ${Buffer.byteLength(json)} bytes of JSON, over the limit of ${maxBytes}; store big content elsewhere and return a reference`,
    )
  }
  return json
}

/** Reads stored JSON; `null` column stays `undefined`. */
export function fromJson<T>(text: string | null): T {
  return (text === null ? undefined : JSON.parse(text)) as T
}

/** JSON with object keys sorted, so equal values compare equal as text. */
export function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
          )
        : v,
    ) ?? 'null'
  )
}
