import { z } from 'zod'
import { parseOrThrow } from '../client/schemas.ts'
import { ZartError } from '../errors.ts'

/**
 * The schema handed to the SDK for a tool's input: it advertises `schema` as JSON Schema
 * in `tools/list`, but accepts any object, so that the tool itself validates the
 * arguments with `parseArguments`. Why: the SDK reports its own validation failures as
 * bare text, while agents need the same `{ code, message }` error (INVALID_INPUT, with
 * the failing fields) as every other mistake, through every door.
 */
export function advertised(schema: z.ZodObject): z.ZodObject {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>
  delete json.$schema
  // Unknown arguments are refused (see parseArguments): the schema says so too.
  return z.looseObject({}).meta({ ...json, additionalProperties: false })
}

/**
 * Validates a tool's arguments, or throws INVALID_INPUT naming each bad argument. An
 * argument the tool does not take is an error naming the ones it does, never ignored: a
 * misspelt `idempotency_key` must not silently start a second execution.
 */
export function parseArguments<T extends z.ZodObject>(schema: T, args: unknown, tool: string): z.output<T> {
  const known = Object.keys(schema.shape)
  const given = typeof args === 'object' && args !== null && !Array.isArray(args) ? Object.keys(args) : []
  const unknown = given.filter((key) => !known.includes(key))
  if (unknown.length > 0) {
    throw new ZartError(
      'INVALID_INPUT',
      `${tool} does not take ${unknown.map((k) => JSON.stringify(k)).join(', ')}: its arguments are ${known.join(', ')}`,
      { issues: unknown.map((path) => ({ path, message: 'unknown argument' })), known },
    )
  }
  return parseOrThrow(schema, args ?? {}, `arguments for ${tool}`) as z.output<T>
}
