import type { z } from 'zod'

/**
 * Keys of `value` that `schema` would silently strip: zod's `z.object` drops keys it does
 * not declare, and the design says unknown keys in workflow data are errors. Rather than
 * asking every author to write `z.strictObject`, the client parses as usual and then asks
 * this function which keys the parse dropped, and refuses them by path.
 *
 * The walk follows the schema, not the parsed output, so transforms never look like
 * dropped keys. It goes through objects, arrays, tuples, records, optional / nullable /
 * default / readonly / catch wrappers, lazy schemas, the input side of pipes and
 * transforms, intersections (a key is unknown only if neither side declares it) and
 * unions (only the options that accept the value are asked; the best fit wins). Objects
 * that say what to do with extra keys — `z.looseObject`, `.passthrough()`, `.catchall()`,
 * `z.strictObject` — are left to that choice, so `z.looseObject` is the way to accept
 * extra keys. Maps, sets and custom schemas are not looked into.
 *
 * Call it only on a value `schema` accepted.
 */
export function unknownKeys(schema: z.ZodType, value: unknown, path: string[] = []): string[][] {
  return walk(schema, value, path, 0)
}

interface Def {
  type: string
  shape?: Record<string, z.ZodType>
  catchall?: z.ZodType
  innerType?: z.ZodType
  element?: z.ZodType
  items?: z.ZodType[]
  rest?: z.ZodType | null
  valueType?: z.ZodType
  options?: z.ZodType[]
  left?: z.ZodType
  right?: z.ZodType
  in?: z.ZodType
  getter?: () => z.ZodType
}

/** Deeper than any real schema; stops a recursive lazy schema over cyclic-looking data. */
const MAX_DEPTH = 256

function walk(schema: z.ZodType, value: unknown, path: string[], depth: number): string[][] {
  if (depth > MAX_DEPTH) return []
  const def = (schema as unknown as { _zod?: { def?: Def } })._zod?.def
  if (!def) return []
  const next = (inner: z.ZodType | undefined, v: unknown, p: string[] = path) =>
    inner ? walk(inner, v, p, depth + 1) : []
  switch (def.type) {
    case 'object': {
      if (!isPlainObject(value)) return []
      const shape = def.shape ?? {}
      const out: string[][] = []
      for (const [key, v] of Object.entries(value)) {
        const field = Object.hasOwn(shape, key) ? shape[key] : undefined
        if (field) out.push(...next(field, v, [...path, key]))
        else if (def.catchall) out.push(...next(def.catchall, v, [...path, key]))
        else out.push([...path, key])
      }
      return out
    }
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return value === undefined || value === null ? [] : next(def.innerType, value)
    case 'lazy':
      return next(def.getter?.(), value)
    case 'pipe':
      return next(def.in, value)
    case 'array':
      return Array.isArray(value) ? value.flatMap((v, i) => next(def.element, v, [...path, String(i)])) : []
    case 'tuple':
      return Array.isArray(value)
        ? value.flatMap((v, i) => next(def.items?.[i] ?? def.rest ?? undefined, v, [...path, String(i)]))
        : []
    case 'record':
      return isPlainObject(value) ? Object.entries(value).flatMap(([k, v]) => next(def.valueType, v, [...path, k])) : []
    case 'intersection': {
      const right = new Set(next(def.right, value).map((p) => p.join('\u0000')))
      return next(def.left, value).filter((p) => right.has(p.join('\u0000')))
    }
    case 'union': {
      let best: string[][] | undefined
      for (const option of def.options ?? []) {
        if (!option.safeParse(value).success) continue
        const found = next(option, value)
        if (best === undefined || found.length < best.length) best = found
        if (found.length === 0) break
      }
      return best ?? []
    }
    default:
      return []
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
