import { z } from 'zod'
import {
  addCronScheduleShape,
  cronScheduleListShape,
  cronScheduleShape,
  deliverShape,
  executionShape,
  listShape,
  removeCronScheduleShape,
  queueShape,
  queuesShape,
  replayCheckShape,
  scheduleShape,
  workersShape,
  waitShape,
  workflowsShape,
} from '../client/result-schemas.ts'

/*
 * Output schemas of the tools, shown to agents in `tools/list` and checked by the SDK on
 * every result: the client's result shapes (src/client/result-schemas.ts), each also
 * admitting the `{ error }` of a failed call.
 */

const toolError = z
  .looseObject({ code: z.string(), message: z.string() })
  .describe('When the call failed (isError): the error code and what to do')

/**
 * A tool's result object: either the success fields (required ones present) or, in an
 * `isError` result, `{ error: { code, message } }`. Clients check `structuredContent`
 * against the output schema even on errors, so the schema must admit both; JSON Schema
 * says it with a root `anyOf` of the two `required` lists, added through `meta`.
 */
function toolResult(shape: Record<string, z.ZodType>): z.ZodObject {
  const required = Object.keys(shape).filter((key) => !shape[key]!.safeParse(undefined).success)
  const optional = Object.fromEntries(Object.entries(shape).map(([key, schema]) => [key, schema.optional()]))
  return z
    .looseObject({ error: toolError.optional(), ...optional })
    .meta({ anyOf: [{ required }, { required: ['error'] }] })
}

/** The status object, or `{ error }` when the call failed. */
export const executionResultSchema = toolResult(executionShape)

export const waitResultSchema = toolResult(waitShape)

export const scheduleResultSchema = toolResult(scheduleShape)

export const deliverResultSchema = toolResult(deliverShape)

export const listResultSchema = toolResult(listShape)

export const workflowsResultSchema = toolResult(workflowsShape)

export const replayCheckResultSchema = toolResult(replayCheckShape)

export const workersResultSchema = toolResult(workersShape)

export const cronScheduleResultSchema = toolResult(cronScheduleShape)

export const addCronScheduleResultSchema = toolResult(addCronScheduleShape)

export const cronScheduleListResultSchema = toolResult(cronScheduleListShape)

export const removeCronScheduleResultSchema = toolResult(removeCronScheduleShape)
export const queueResultSchema = toolResult(queueShape)

export const queuesResultSchema = toolResult(queuesShape)
