import { z } from 'zod'
import { EXECUTION_STATUSES } from '../client/schemas.ts'

/*
 * Output schemas of the tools, shown to agents in `tools/list` and checked by the SDK on
 * every result. They describe the client's objects (src/client/status-view.ts); objects
 * are loose so that a field the client adds later never turns a good answer into an error.
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

const status = z
  .enum(EXECUTION_STATUSES)
  .describe('pending | running | waiting | completed | failed | cancelled | timed_out')

const waitingFor = z
  .looseObject({
    event: z.string().nullable().describe('The event to deliver with deliver_event, or null for a durable sleep'),
    deadline: z.string().nullable().describe('ISO time the wait ends, or null for no timeout'),
    schema: z.unknown().optional().describe('JSON Schema of the event data, when the workflow declared one'),
  })
  .describe('What a waiting execution needs before it can go on')

const step = z.looseObject({
  name: z.string(),
  kind: z.enum(['step', 'wait', 'sleep']),
  status: z.string(),
  attempts: z.number(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  error: z.unknown().optional(),
})

/** The status object: the same fields as `zart status` and `GET /api/v1/executions/:id`. */
export const executionShape = {
  id: z.string().describe('The execution id'),
  workflow: z.string(),
  status,
  step: z.string().nullable().describe('The current or last step'),
  waiting_for: waitingFor.nullable(),
  attempt: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
  run_at: z.string().optional().describe('When a pending execution will next run'),
  deadline: z.string().optional().describe('The workflow deadline, when it has a timeout'),
  idempotency_key: z.string().optional(),
  output: z.unknown().optional().describe('The result, when completed'),
  error: z
    .unknown()
    .optional()
    .describe('Why it ended, when failed, cancelled or timed out (or, when this call failed, {code, message})'),
  steps: z.array(step).optional().describe('Step history, with include_steps'),
}

const executionSchema = z.looseObject(executionShape)

export const executionResultSchema = toolResult(executionShape)

export const waitResultSchema = toolResult({
  ...executionShape,
  timed_out: z.boolean().describe('True when the wait ended at its timeout and the execution is still going'),
})

export const scheduleResultSchema = toolResult({
  execution_id: z.string(),
  status,
  created: z
    .boolean()
    .describe('False when an existing execution (same id or idempotency key, same input) was returned'),
})

export const deliverResultSchema = toolResult({
  result: z
    .enum(['delivered', 'buffered', 'duplicate'])
    .describe(
      'delivered: a wait resumed; buffered: kept for a later wait; duplicate: this event_id was already delivered',
    ),
  status,
})

export const listResultSchema = toolResult({
  executions: z.array(executionSchema).describe('Newest first'),
  next_cursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page'),
})

export const workflowsResultSchema = toolResult({
  workflows: z.array(
    z.looseObject({
      name: z.string(),
      description: z.string().nullable(),
      timeout_ms: z.number().nullable(),
      max_retries: z.number(),
      input_schema: z.unknown().describe('JSON Schema of the data schedule accepts'),
      events: z.record(z.string(), z.unknown()).describe('JSON Schema of each event the workflow waits for'),
    }),
  ),
})
