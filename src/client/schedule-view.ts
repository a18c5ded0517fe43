import { isoTime } from '../duration.ts'
import { ZartError } from '../errors.ts'
import type { CatchUpPolicy, OverlapPolicy, ScheduleRecord } from '../storage/store.ts'

/*
 * What every door takes and answers about cron schedules (`zart cron`, the MCP schedule
 * tools, `/api/v1/schedules`), and the tick execution ids that tie executions to them.
 */

/** How a schedule is defined, at every door (`zart cron add`, `add_schedule`, `POST /schedules`). */
export interface ScheduleInput {
  name: string
  workflow: string
  /** Five fields, or six with seconds first; see src/cron.ts. */
  cron: string
  /** The data each tick's execution starts with (default `{}`). */
  data?: unknown
  /** IANA time zone (default `UTC`). */
  timezone?: string
  /** Default `skip`. */
  overlap?: OverlapPolicy
  /** Default `latest`. */
  catchUp?: CatchUpPolicy
}

/** A schedule as every door shows it: the same snake_case fields everywhere. */
export interface ScheduleView {
  name: string
  workflow: string
  cron: string
  timezone: string
  data: unknown
  overlap: OverlapPolicy
  catch_up: CatchUpPolicy
  paused: boolean
  /** `code`: declared with the workflow (workers upsert it); `api`: added at run time. */
  source: 'code' | 'api'
  /** The next tick (ISO time), or null when the expression has no more. */
  next_tick_at: string | null
  /** The latest tick that started an execution, and its id. */
  last_tick_at: string | null
  last_execution_id: string | null
  created_at: string
  updated_at: string
}

/** What adding a schedule answers: the schedule, and whether this call created it. */
export type AddScheduleResult = ScheduleView & { created: boolean }

/** What removing a schedule answers. */
export interface RemoveScheduleResult {
  name: string
  removed: true
  /** Declared in code: a worker that loads its workflow adds it again (pause it to stop it for good). */
  declared_in_code: boolean
}

/**
 * The execution id of a schedule's tick: the same on every worker, so however many fire the
 * tick, the idempotent schedule path makes one execution.
 */
export function tickExecutionId(name: string, tickAt: number): string {
  return `cron:${name}:${new Date(tickAt).toISOString()}`
}

/** The schedule and tick an execution id names, when it is a tick's (see `tickExecutionId`). */
export function scheduleOfExecution(id: string): { name: string; tick_at: string } | undefined {
  const match = /^cron:(.+):(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)$/.exec(id)
  return match?.[1] && match[2] ? { name: match[1], tick_at: match[2] } : undefined
}

/** SCHEDULE_NOT_FOUND, naming the schedule and where to list them. */
export function scheduleNotFound(name: string): ZartError {
  return new ZartError(
    'SCHEDULE_NOT_FOUND',
    `no schedule named "${name}": list them with zart cron list (MCP list_schedules)`,
    { schedule: name },
  )
}

export function toScheduleView(s: ScheduleRecord): ScheduleView {
  const at = (ms: number | null) => (ms === null ? null : isoTime(ms))
  return {
    name: s.name,
    workflow: s.workflow,
    cron: s.cron,
    timezone: s.timezone,
    data: JSON.parse(s.inputJson) as unknown,
    overlap: s.overlap,
    catch_up: s.catchUp,
    paused: s.paused,
    source: s.source,
    next_tick_at: at(s.nextTickAt),
    last_tick_at: at(s.lastTickAt),
    last_execution_id: s.lastExecutionId,
    created_at: isoTime(s.createdAt),
    updated_at: isoTime(s.updatedAt),
  }
}
