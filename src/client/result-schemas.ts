import { z } from 'zod'
import { EXECUTION_STATUSES } from './schemas.ts'

/*
 * Zod shapes of what the client returns (src/client/types.ts, status-view.ts). Every
 * door describes its answers with these: the MCP tools as output schemas, the REST API in
 * its OpenAPI document. Objects are loose so a field the client adds later never turns a
 * good answer into an error.
 */

const status = z
  .enum(EXECUTION_STATUSES)
  .describe('pending | running | waiting | completed | failed | cancelled | timed_out')

const waitingFor = z
  .array(
    z.looseObject({
      kind: z
        .enum(['event', 'sleep', 'retry', 'child'])
        .describe('event: an event delivery; sleep: a timer; retry: a retry delay; child: a child execution’s end'),
      event: z.string().optional().describe('For kind event: the event name to deliver'),
      child: z.string().optional().describe('For kind child: the id of the child execution awaited'),
      step: z.string().describe('The key of the wait, sleep or step in the history'),
      deadline: z.string().nullable().describe('ISO time it ends by itself, or null for never'),
      schema: z.unknown().optional().describe('JSON Schema of the event data, when the workflow declared one'),
    }),
  )
  .describe('What a suspended execution waits for; any one of them resumes it')

const step = z.looseObject({
  name: z.string(),
  kind: z.enum(['step', 'wait', 'sleep', 'patch', 'child']),
  status: z.string(),
  attempts: z.number(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  error: z.unknown().optional().describe('Why it failed or is retrying; history lists every failed attempt'),
  errors: z.array(z.unknown()).optional().describe('For a step completed after failed attempts: their errors'),
})

/** The status object: the same fields as `zart status`, the MCP `status` tool and `GET /api/v1/executions/:id`. */
export const executionShape = {
  id: z.string().describe('The execution id'),
  workflow: z.string(),
  status,
  step: z.string().nullable().describe('The current or last step'),
  waiting_for: waitingFor.nullable(),
  attempt: z.number().int(),
  version: z.string().optional().describe('The workflow version the execution started under'),
  input: z.unknown().optional().describe('The data it was scheduled with (status only)'),
  paused: z.literal(true).optional().describe('Paused: not claimed until resumed'),
  rerun_of: z.string().optional().describe('The execution this one was forked from by rerun'),
  schedule: z
    .object({ name: z.string(), tick_at: z.string() })
    .optional()
    .describe('The cron schedule and tick that started it'),
  parent_id: z.string().optional().describe('The execution that started this one as a child workflow'),
  detached: z.literal(true).optional().describe('A child started detached: cancelling its parent leaves it running'),
  children: z
    .array(z.looseObject({ id: z.string(), workflow: z.string(), status }))
    .optional()
    .describe(
      'The child executions it started, oldest first, at most 100 (in status, and in cancel when it took some along)',
    ),
  hint: z.string().optional().describe('Why an unfinished execution does not move: no worker runs its workflow'),
  queue: z
    .looseObject({ name: z.string(), concurrency_key: z.string().optional(), priority: z.number() })
    .optional()
    .describe('The queue whose limits it runs under, its concurrency key and priority'),
  queue_reason: z
    .string()
    .optional()
    .describe('Status only: why a queued execution is not running yet, e.g. "queued behind 3 on key user-42 (...)"'),
  progress: z
    .looseObject({
      fraction: z.number().optional().describe('0 to 1'),
      message: z.string().optional(),
      data: z.record(z.string(), z.unknown()).optional(),
      updated_at: z.string(),
    })
    .optional()
    .describe('The latest progress the workflow reported'),
  created_at: z.string(),
  updated_at: z.string(),
  run_at: z.string().optional().describe('When a pending execution will next run'),
  deadline: z.string().optional().describe('The workflow deadline, when it has a timeout'),
  idempotency_key: z.string().optional(),
  output: z.unknown().optional().describe('The result, when completed'),
  output_uri: z
    .string()
    .optional()
    .describe('MCP status only: where to read a completed output too big to paste (over 32 KiB of JSON)'),
  error: z
    .unknown()
    .optional()
    .describe('Why it ended (failed, cancelled, timed out), or why a pending execution was handed back'),
  steps: z.array(step).optional().describe('Step history, when asked for'),
}

export const executionSchema = z.looseObject(executionShape)

export const waitShape = {
  ...executionShape,
  timed_out: z.boolean().describe('True when the wait ended at its timeout and the execution is still going'),
}

export const scheduleShape = {
  execution_id: z.string(),
  status,
  created: z
    .boolean()
    .describe('False when an existing execution (same id or idempotency key, same input) was returned'),
  run_at: z.string().optional().describe('When it starts, if later than now (scheduled with run_at or delay)'),
  deduplicated: z
    .literal(true)
    .optional()
    .describe('The execution scheduled with the same dedupe key, not started yet, was returned instead of a new one'),
}

/** A queue's limits: the same fields from `zart queue`, MCP and REST; null is no limit. */
export const queueShape = {
  name: z.string(),
  concurrency: z.number().int().nullable().describe('At most this many running at once'),
  key_concurrency: z.number().int().nullable().describe('At most this many running at once per concurrency key'),
  rate_limit: z
    .object({ limit: z.number().int(), period_ms: z.number().int() })
    .nullable()
    .describe('At most `limit` started in any `period_ms`'),
}

export const queuesShape = { queues: z.array(z.looseObject(queueShape)) }

export const deliverShape = {
  result: z
    .enum(['delivered', 'buffered', 'duplicate'])
    .describe(
      'delivered: a wait resumed; buffered: kept for a later wait; duplicate: this event id was already delivered',
    ),
  status,
  waiting_for: z
    .array(z.string())
    .optional()
    .describe('When buffered while the execution waits for other events: the event names it waits for'),
}

export const listShape = {
  executions: z.array(executionSchema).describe('Newest first'),
  next_cursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page'),
}

export const workflowsShape = {
  workflows: z.array(
    z.looseObject({
      name: z.string(),
      description: z.string().nullable(),
      timeout_ms: z.number().nullable(),
      max_retries: z.number(),
      input_schema: z.unknown().describe('JSON Schema of the data the workflow accepts'),
      events: z.record(z.string(), z.unknown()).describe('JSON Schema of each event the workflow waits for'),
    }),
  ),
}

const point = z.object({ kind: z.string(), name: z.string() }).nullable()

/** What `replay-check` found: the same fields from the CLI (`--json`), MCP and REST. */
export const replayCheckShape = {
  checked: z.number().int().describe('Unfinished executions replayed against the loaded code'),
  diverged: z
    .array(
      z.looseObject({
        execution_id: z.string(),
        workflow: z.string(),
        version: z.string().nullable(),
        status: z.string(),
        position: z.number().int().optional().describe('The durable point where history and code part'),
        history: point.optional().describe('What history recorded there'),
        code: point.optional().describe('What the loaded code asked for there'),
        message: z.string().describe('What differs and how to fix it'),
      }),
    )
    .describe('Executions the loaded code does not replay: deploying it would stop them with REPLAY_DIVERGED'),
  skipped: z.number().int().describe('Unfinished executions of workflows not loaded here, not checked'),
}

/** The live workers: the same fields from `zart workers --json`, MCP and REST. */
export const workersShape = {
  workers: z.array(
    z.looseObject({
      id: z.string(),
      host: z.string(),
      pid: z.number().int(),
      workflows: z.array(z.string()),
      started_at: z.string(),
      last_seen_at: z.string(),
    }),
  ),
}

/** A cron schedule: the same fields from `zart cron list --json`, MCP and REST. */
export const cronScheduleShape = {
  name: z.string().describe('The schedule name'),
  workflow: z.string(),
  cron: z.string().describe('The cron expression'),
  timezone: z.string().describe('IANA time zone the expression is read in'),
  data: z.unknown().describe('The data each tick starts its execution with'),
  overlap: z.enum(['skip', 'queue', 'allow']).describe('While the last tick still runs: skip, queue or allow'),
  catch_up: z.enum(['none', 'latest', 'all']).describe('Ticks missed while no worker ran: none, latest or all'),
  paused: z.boolean(),
  source: z.enum(['code', 'api']).describe('code: declared with the workflow; api: added at run time'),
  next_tick_at: z.string().nullable().describe('ISO time of the next tick'),
  last_tick_at: z.string().nullable().describe('The latest tick that started an execution'),
  last_execution_id: z.string().nullable().describe('The execution that tick started'),
  created_at: z.string(),
  updated_at: z.string(),
}

export const addCronScheduleShape = {
  ...cronScheduleShape,
  created: z.boolean().describe('False when the same schedule already existed'),
}

export const cronScheduleListShape = {
  schedules: z.array(z.looseObject(cronScheduleShape)).describe('By name'),
}

export const removeCronScheduleShape = {
  name: z.string(),
  removed: z.literal(true),
  declared_in_code: z
    .boolean()
    .describe('True when the workflow declares it: a worker loading the workflow adds it again'),
}
