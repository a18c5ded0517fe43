import { z } from 'zod'
import { parseOrThrow } from '../client/schemas.ts'

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
  return z.looseObject({}).meta(json)
}

/** Validates a tool's arguments, or throws INVALID_INPUT naming each bad argument. */
export function parseArguments<T extends z.ZodObject>(schema: T, args: unknown, tool: string): z.output<T> {
  return parseOrThrow(schema, args ?? {}, `arguments for ${tool}`) as z.output<T>
}
