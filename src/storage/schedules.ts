/**
 * Cron schedules as stored (`zart_schedules`), and the row mapping every SQL adapter
 * shares. The Store methods that read and write them are declared in `store.ts`.
 */

/** What happens to a tick while the previous tick's execution has not finished. */
export type OverlapPolicy = 'skip' | 'queue' | 'allow'

/** Which ticks missed while no worker ran (downtime, a long pause of every worker) still start. */
export type CatchUpPolicy = 'none' | 'latest' | 'all'

/** One schedule as stored. */
export interface ScheduleRecord {
  name: string
  workflow: string
  cron: string
  /** IANA time zone the expression is read in. */
  timezone: string
  /** The data every tick's execution starts with. */
  inputJson: string
  overlap: OverlapPolicy
  catchUp: CatchUpPolicy
  /** `code` when declared with a workflow (upserted by workers), `api` when added at run time. */
  source: 'code' | 'api'
  paused: boolean
  /** The next tick not yet handled (ms since the epoch), or null when the expression has no more. */
  nextTickAt: number | null
  /** The latest tick that started an execution, and that execution. */
  lastTickAt: number | null
  lastExecutionId: string | null
  createdAt: number
  updatedAt: number
}

/** A compare-and-set of a schedule's next tick: applies only while `next_tick_at` is still `from`. */
export interface ScheduleAdvance {
  name: string
  from: number
  to: number | null
  /** The tick that started an execution in this step, if any, and its execution. */
  lastTickAt: number | null
  lastExecutionId: string | null
  now: number
}

/** A `zart_schedules` row. */
export interface ScheduleRow {
  name: string
  workflow: string
  cron: string
  timezone: string
  input_json: string
  overlap: string
  catch_up: string
  source: string
  paused: number
  next_tick_at: number | null
  last_tick_at: number | null
  last_execution_id: string | null
  created_at: number
  updated_at: number
}

const orNull = (value: number | null): number | null => (value === null ? null : Number(value))

export function toSchedule(row: ScheduleRow): ScheduleRecord {
  return {
    name: row.name,
    workflow: row.workflow,
    cron: row.cron,
    timezone: row.timezone,
    inputJson: row.input_json,
    overlap: row.overlap as OverlapPolicy,
    catchUp: row.catch_up as CatchUpPolicy,
    source: row.source === 'code' ? 'code' : 'api',
    paused: Number(row.paused) === 1,
    nextTickAt: orNull(row.next_tick_at),
    lastTickAt: orNull(row.last_tick_at),
    lastExecutionId: row.last_execution_id,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }
}

/**
 * The columns an insert lists, in order: name, workflow, cron, timezone, input_json,
 * overlap, catch_up, source, paused, next_tick_at, created_at, updated_at.
 */
export function scheduleColumns(s: ScheduleRecord): unknown[] {
  return [
    s.name,
    s.workflow,
    s.cron,
    s.timezone,
    s.inputJson,
    s.overlap,
    s.catchUp,
    s.source,
    s.paused ? 1 : 0,
    s.nextTickAt,
    s.createdAt,
    s.updatedAt,
  ]
}

/**
 * The values a definition replace sets, in order: workflow, cron, timezone, input_json,
 * overlap, catch_up, source, next_tick_at, updated_at, and last the name it matches.
 */
export function scheduleDefinitionColumns(s: ScheduleRecord): unknown[] {
  return [
    s.workflow,
    s.cron,
    s.timezone,
    s.inputJson,
    s.overlap,
    s.catchUp,
    s.source,
    s.nextTickAt,
    s.updatedAt,
    s.name,
  ]
}

/** The values of an advance, in order: to, lastTickAt, lastExecutionId, now, name, from. */
export function advanceColumns(a: ScheduleAdvance): unknown[] {
  return [a.to, a.lastTickAt, a.lastExecutionId, a.now, a.name, a.from]
}
