import type { z } from 'zod'

/** Schemas already converted: a workflow's event schema is shown on every status read and stored with each wait. */
const converted = new WeakMap<object, unknown>()

/**
 * JSON Schema of a zod schema, for people and agents choosing what to send; `{}` when it
 * cannot be converted. It asks the schema itself (zod 4's `toJSONSchema` method), so
 * nothing here loads zod: a process that only reads never does.
 */
export function jsonSchema(schema: z.ZodType): unknown {
  let json = converted.get(schema)
  if (json === undefined) {
    try {
      json = closeObjects(schema.toJSONSchema({ unrepresentable: 'any', io: 'input' }))
    } catch {
      json = {}
    }
    converted.set(schema, json)
  }
  return json
}

/**
 * Unknown keys in workflow data are refused (src/client/unknown-keys.ts) unless the schema
 * lets them through (a loose object, whose JSON Schema already says what it allows): the
 * published schema says the same, `additionalProperties: false`, on every other object.
 */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects)
  if (typeof node !== 'object' || node === null) return node
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node)) out[key] = closeObjects(value)
  if (out.type === 'object' && out.properties !== undefined && out.additionalProperties === undefined) {
    out.additionalProperties = false
  }
  return out
}
