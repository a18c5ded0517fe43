import { z } from 'zod'
import {
  eventIdSchema,
  eventNameSchema,
  EXECUTION_STATUSES,
  executionIdSchema,
  executionStatusSchema,
  idempotencyKeySchema,
  MAX_LIST_LIMIT,
  queueLimitsShape,
  scheduleFlowShape,
  workflowNameSchema,
} from '../../client/schemas.ts'
import {
  deliverShape,
  executionSchema,
  listShape,
  queueShape,
  queuesShape,
  replayCheckShape,
  scheduleShape,
  waitShape,
  workflowsShape,
  workersShape,
} from '../../client/result-schemas.ts'

/*
 * The shapes of the REST API. Requests are validated with these schemas and the OpenAPI
 * document is generated from them (openapi.ts), so the two cannot drift. Field rules
 * (names, ids, keys, statuses) come from the client's shared schemas.
 */

/** Objects refuse unknown keys: a misspelt field is an error, not silently ignored. */
const strict = <T extends z.core.$ZodLooseShape>(shape: T, what: string) =>
  z.strictObject(shape, {
    error: (issue) => (issue.code === 'invalid_type' ? `${what} must be a JSON object` : undefined),
  })

export const idParams = z.object({ id: executionIdSchema.describe('The execution id') })

export const eventParams = z.object({
  id: executionIdSchema.describe('The execution to send the event to'),
  name: eventNameSchema.describe('The event name, as in an event entry of waiting_for in the status'),
})

/**
 * A number sent as a query string. A blank value is an error rather than 0 (which is
 * what `Number("")` gives): `?timeout=` must not silently mean "do not wait".
 */
const queryNumber = (schema: z.ZodNumber) =>
  z.preprocess((v) => (typeof v === 'string' ? (v.trim() === '' ? NaN : Number(v)) : v), schema)

const runAt = z
  .union([z.iso.datetime({ offset: true }), z.number().int().min(0).max(8.64e15)], {
    error: 'run_at must be an ISO 8601 time with a zone (2026-05-01T09:00:00Z) or milliseconds since the epoch',
  })
  .describe('Start no earlier than this time')

export const scheduleBody = strict(
  {
    workflow: workflowNameSchema.optional().describe('Name of the workflow to run (see GET /workflows)'),
    task: workflowNameSchema.optional().describe('Another name for `workflow`; give one of the two'),
    data: z.unknown().optional().describe("The workflow's input; must match its input_schema"),
    id: executionIdSchema
      .optional()
      .describe('Your own execution id: the same id and data again return the existing execution'),
    idempotency_key: idempotencyKeySchema
      .optional()
      .describe('Maps to at most one execution: retrying with it never starts a second one'),
    run_at: runAt.optional(),
    delay: z
      .union([z.string(), z.number()])
      .optional()
      .describe('Start no earlier than this long from now: ms, or "10m", "2h"; not with run_at'),
    ...scheduleFlowShape,
  },
  'the body',
).refine((body) => (body.workflow === undefined) !== (body.task === undefined), {
  message: 'give the workflow name as "workflow" (or "task"), exactly one of the two',
  path: ['workflow'],
})

export const statusQuery = strict(
  {
    steps: z
      .enum(['true', 'false'], { error: 'steps must be true or false' })
      .optional()
      .describe('Add the step history'),
  },
  'the query',
)

export const listQuery = strict(
  {
    status: executionStatusSchema
      .optional()
      .describe(`Only executions in this state: ${EXECUTION_STATUSES.join(', ')}`),
    workflow: workflowNameSchema.optional().describe('Only executions of this workflow'),
    limit: queryNumber(
      z
        .number({ error: 'limit must be a whole number' })
        .int('limit must be a whole number')
        .min(1, `limit must be from 1 to ${MAX_LIST_LIMIT}`)
        .max(MAX_LIST_LIMIT, `limit must be from 1 to ${MAX_LIST_LIMIT}`),
    )
      .optional()
      .describe(`Page size (default 20, max ${MAX_LIST_LIMIT})`),
    cursor: z
      .string()
      .max(256, 'cursor is too long: pass next_cursor as it came')
      .optional()
      .describe('next_cursor of the previous page'),
  },
  'the query',
)

/** The wait query depends on the server's configured ceiling, so it is built per router. */
export function waitQuery(maxSeconds: number, defaultSeconds: number) {
  return strict(
    {
      timeout: queryNumber(
        z
          .number({ error: 'timeout must be a number of seconds' })
          .min(0, 'timeout must not be negative')
          .max(
            maxSeconds,
            `timeout must be at most ${maxSeconds} seconds on this server; wait again if it is still going`,
          ),
      )
        .optional()
        .describe(`Seconds to wait at most (default ${defaultSeconds}, max ${maxSeconds})`),
    },
    'the query',
  )
}

export const eventQuery = strict(
  {
    event_id: eventIdSchema
      .optional()
      .describe('Your id for this event (or the Idempotency-Key header): a repeat is reported as duplicate'),
  },
  'the query',
)

/** A malformed traceparent is ignored (W3C Trace Context), never refused. */
export const scheduleHeaders = z.object({
  traceparent: z
    .string()
    .optional()
    .describe(
      "W3C Trace Context: the execution's runs and steps become spans in this trace, children of this parent. " +
        'A malformed value is ignored, as the W3C spec asks',
    ),
})

export const eventHeaders = z.object({
  'idempotency-key': eventIdSchema
    .optional()
    .describe('Your id for this event: a repeat is reported as duplicate and stored once'),
})

export const eventBody = z
  .unknown()
  .describe('The event data (any JSON); must match the schema of that waiting_for entry when there is one')

export const executionResponse = executionSchema.describe('The status of an execution')

export const waitResponse = z.looseObject(waitShape)

export const scheduleResponse = z.object(scheduleShape)

export const deliverResponse = z.object(deliverShape)

export const listResponse = z.object(listShape)

export const workflowsResponse = z.object(workflowsShape)

export const replayCheckQuery = strict(
  {
    workflow: workflowNameSchema.optional().describe('Only executions of this workflow'),
    limit: queryNumber(
      z
        .number({ error: 'limit must be a whole number' })
        .int('limit must be a whole number')
        .min(1, 'limit must be from 1 to 1000')
        .max(1000, 'limit must be from 1 to 1000'),
    )
      .optional()
      .describe('Replay at most this many executions (default 100, max 1000)'),
  },
  'the query',
)

export const replayCheckResponse = z.object(replayCheckShape)

export const workersResponse = z.object(workersShape)

/** RFC 9457 problem document, as every error of this API is sent. */
export const problemResponse = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().describe('What was wrong and what to do next'),
  code: z.string().describe('Stable error code, e.g. INVALID_INPUT, EXECUTION_NOT_FOUND'),
  errors: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .optional()
    .describe('Each bad field, for INVALID_INPUT'),
})

/** A body that must be empty or `{}`: the action needs nothing. */
export const emptyBody = strict({}, 'the body').optional()

export const retryBody = strict(
  {
    timeout: z.string().optional().describe('A new deadline from now, e.g. "1h" (default: the workflow\'s timeout)'),
  },
  'the body',
).optional()

export const rerunBody = strict(
  {
    from_step: z.string().min(1).describe('The step to run again, and everything after it'),
    data: z.unknown().optional().describe('New input (default: the original input)'),
    id: executionIdSchema.optional().describe('Id of the new execution (default: generated)'),
  },
  'the body',
)

export const queueParams = z.object({ name: z.string().describe('The queue name, e.g. emails') })

export const queueBody = strict(queueLimitsShape, 'the body').optional()

export const queueResponse = z.object(queueShape)

export const queuesResponse = z.object(queuesShape)
