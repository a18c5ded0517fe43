import type { Clock } from '../clock.ts'
import { checkTimezone, DEFAULT_TIMEZONE, parseCron, type CronSchedule } from '../cron.ts'
import { isoTime } from '../duration.ts'
import { asZartError, ZartError } from '../errors.ts'
import { canonicalJson } from '../engine/json.ts'
import type { Logger } from '../engine/logger.ts'
import type { WorkflowDefinition, WorkflowSchedule } from '../engine/workflow.ts'
import {
  isTerminal,
  type CatchUpPolicy,
  type OverlapPolicy,
  type ScheduleRecord,
  type Store,
} from '../storage/store.ts'
import {
  catchUpSchema,
  cronExpressionSchema,
  overlapSchema,
  parseData,
  parseOrThrow,
  scheduleNameSchema,
  workflowNameSchema,
} from './schemas.ts'
import { toJsonInput } from './support.ts'

/** Most ticks missed during downtime that catch-up `all` still starts; older ones are skipped. */
export const MAX_CATCH_UP = 100

/**
 * How late a worker may notice a tick and still count it on time. With catch-up `none`, a
 * tick found later than this is a missed one and is skipped.
 */
export const ON_TIME_MS = 60_000

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

/** What the schedules need of the client. */
export interface ScheduleDeps {
  store: Store
  clock: Clock
  logger: Logger
  maxPayloadBytes: number
  /** The loaded workflow of that name; throws UNKNOWN_WORKFLOW. */
  definition(workflow: string): WorkflowDefinition
  /** Every loaded workflow. */
  definitions(): WorkflowDefinition[]
  /** Starts one tick's execution through the idempotent schedule path. */
  start(workflow: string, data: unknown, id: string): Promise<unknown>
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

/**
 * Cron schedules: stored in the database, so every worker on every machine sees the same
 * ones, and fired by whichever worker finds a tick due first. See docs/cron.md.
 */
export class Schedules {
  private declared: Promise<void> | null = null

  constructor(private readonly deps: ScheduleDeps) {}

  /** Adds a schedule; the same definition again answers the existing one, a different one ID_CONFLICT. */
  async add(input: ScheduleInput): Promise<AddScheduleResult> {
    const record = this.record(input, 'api')
    const { created, schedule } = await this.deps.store.createSchedule(record)
    if (!created && !sameDefinition(schedule, record)) {
      const where =
        schedule.source === 'code'
          ? `it is declared in code with workflow "${schedule.workflow}"; change it there`
          : `remove it first (zart cron remove ${schedule.name}) or choose another name`
      throw new ZartError(
        'ID_CONFLICT',
        `schedule "${schedule.name}" already exists with a different definition (${schedule.workflow}, "${schedule.cron}" ${schedule.timezone}): ${where}`,
        { schedule: schedule.name },
      )
    }
    return { ...toScheduleView(schedule), created }
  }

  /** Every schedule, by name. */
  async list(): Promise<ScheduleView[]> {
    return (await this.deps.store.listSchedules()).map(toScheduleView)
  }

  /** One schedule; SCHEDULE_NOT_FOUND when there is none of that name. */
  async get(name: string): Promise<ScheduleView> {
    return toScheduleView(await this.find(name))
  }

  /** Deletes a schedule; the executions it started stay. */
  async remove(name: string): Promise<RemoveScheduleResult> {
    const id = parseOrThrow(scheduleNameSchema, name, 'schedule name')
    const existing = await this.find(id)
    if (!(await this.deps.store.deleteSchedule(id))) throw scheduleNotFound(id)
    return { name: id, removed: true, declared_in_code: existing.source === 'code' }
  }

  /**
   * Pauses (no tick starts an execution) or resumes a schedule. On resume the next tick is
   * the first one after now: ticks that fell while paused are not caught up.
   */
  async setPaused(name: string, paused: boolean): Promise<ScheduleView> {
    const existing = await this.find(name)
    const now = this.deps.clock.now()
    const next = paused ? existing.nextTickAt : parseCron(existing.cron, existing.timezone).next(now)
    if (!(await this.deps.store.setSchedulePaused(existing.name, paused, next, now))) throw scheduleNotFound(name)
    return toScheduleView(await this.find(existing.name))
  }

  /**
   * Writes the schedules declared with the loaded workflows into the database (once per
   * client). Code wins: a stored schedule of the same name with another definition is
   * replaced, keeping whether it is paused.
   */
  syncDeclared(): Promise<void> {
    this.declared ??= this.upsertDeclared().catch((error: unknown) => {
      this.declared = null
      throw error
    })
    return this.declared
  }

  /**
   * Starts the executions of every tick due now, for the loaded workflows. Safe to run on
   * any number of workers at once: one execution per tick. Returns the ids it asked for.
   */
  async fireDue(limit = 100): Promise<string[]> {
    await this.syncDeclared()
    const workflows = this.deps.definitions().map((d) => d.name)
    if (workflows.length === 0) return []
    const now = this.deps.clock.now()
    const started: string[] = []
    for (const schedule of await this.deps.store.dueSchedules(now, workflows, limit)) {
      try {
        started.push(...(await this.fire(schedule, now)))
      } catch (error) {
        this.deps.logger.error('could not fire a cron schedule; trying again at the next poll', {
          schedule: schedule.name,
          error: String(error),
        })
      }
    }
    return started
  }

  /** Handles the due ticks of one schedule, then moves its next tick on (compare-and-set). */
  private async fire(schedule: ScheduleRecord, now: number): Promise<string[]> {
    const from = schedule.nextTickAt
    if (from === null) return []
    const cron = parseCron(schedule.cron, schedule.timezone)
    // Due ticks, oldest first, at most MAX_CATCH_UP of the latest. Walked forward from the
    // schedule's next tick (usually the only one due); past the bound, counted back from now.
    let due = [from]
    for (let t = cron.next(from); t !== null && t <= now && due.length <= MAX_CATCH_UP; t = cron.next(t)) due.push(t)
    if (due.length > MAX_CATCH_UP) due = cron.previous(MAX_CATCH_UP, now).reverse()
    const following = cron.next(now)
    // A queued tick waited for the previous run, not for a worker: it is not a missed one.
    const catchUp = schedule.overlap === 'queue' && schedule.catchUp === 'none' ? 'latest' : schedule.catchUp
    let chosen =
      catchUp === 'all'
        ? due
        : catchUp === 'latest'
          ? due.slice(-1)
          : due.filter((t) => now - t <= ON_TIME_MS).slice(-1)
    if (schedule.overlap !== 'allow' && chosen.length > 0) {
      const previous = schedule.lastExecutionId && (await this.deps.store.getExecution(schedule.lastExecutionId))
      if (previous && !isTerminal(previous.status)) {
        if (schedule.overlap === 'queue') return [] // the ticks stay due until it ends
        chosen = []
      } else {
        chosen = chosen.slice(0, 1) // one at a time: the next waits for this one
      }
    }
    const started: string[] = []
    for (const tick of chosen) {
      const id = tickExecutionId(schedule.name, tick)
      if (await this.startTick(schedule, id)) started.push(id)
    }
    const last = chosen.at(-1)
    const backlog = last !== undefined && last < (due.at(-1) ?? last)
    const to = backlog ? cron.next(last) : following
    const skipped = due.filter((t) => (to === null || t < to) && !chosen.includes(t)).length
    if (skipped > 0) {
      this.deps.logger.info('cron ticks skipped', {
        schedule: schedule.name,
        skipped,
        reason: chosen.length === 0 && schedule.overlap === 'skip' ? 'overlap' : 'catch-up',
      })
    }
    const lastId = last === undefined ? null : tickExecutionId(schedule.name, last)
    await this.deps.store.advanceSchedule({
      name: schedule.name,
      from,
      to,
      lastTickAt: last ?? null,
      lastExecutionId: lastId,
      now,
    })
    return started
  }

  /**
   * Starts one tick's execution; false when it could not be (its data no longer fits the
   * workflow's input schema): the tick is dropped and logged rather than tried for ever.
   * A database failure is thrown, so the tick stays due.
   */
  private async startTick(schedule: ScheduleRecord, id: string): Promise<boolean> {
    try {
      await this.deps.start(schedule.workflow, JSON.parse(schedule.inputJson), id)
      return true
    } catch (error) {
      const coded = asZartError(error)
      // Another worker started this tick with the data of a definition replaced since.
      if (coded?.code === 'ID_CONFLICT') return true
      if (!coded || coded.code === 'DATABASE_UNAVAILABLE' || coded.code === 'STORE_REJECTED') throw error
      this.deps.logger.error('a cron tick could not start its execution; the tick is dropped', {
        schedule: schedule.name,
        execution: id,
        error: coded.message,
      })
      return false
    }
  }

  /** Validates the schedules declared with the loaded workflows; throws INVALID_INPUT naming the workflow. */
  checkDeclared(): void {
    const names = new Map<string, string>()
    for (const definition of this.deps.definitions()) {
      if (!definition.schedule) continue
      let record: ScheduleRecord
      try {
        record = this.record(declaredInput(definition.name, definition.schedule), 'code')
      } catch (error) {
        const coded = asZartError(error)
        if (!coded) throw error
        throw new ZartError('INVALID_INPUT', `workflow "${definition.name}" schedule: ${coded.message}`, coded.details)
      }
      const other = names.get(record.name)
      if (other !== undefined) {
        throw new ZartError(
          'INVALID_INPUT',
          `workflows "${other}" and "${definition.name}" both declare a schedule named "${record.name}": give one a schedule name`,
        )
      }
      names.set(record.name, definition.name)
    }
  }

  private async upsertDeclared(): Promise<void> {
    for (const definition of this.deps.definitions()) {
      if (!definition.schedule) continue
      const record = this.record(declaredInput(definition.name, definition.schedule), 'code')
      const { created, schedule } = await this.deps.store.createSchedule(record)
      if (created || (sameDefinition(schedule, record) && schedule.source === 'code')) continue
      const sameTicks = schedule.cron === record.cron && schedule.timezone === record.timezone
      await this.deps.store.replaceSchedule({
        ...record,
        nextTickAt: sameTicks ? schedule.nextTickAt : record.nextTickAt,
      })
      this.deps.logger.warn('the stored cron schedule differed from the one declared in code: code wins', {
        schedule: record.name,
        workflow: definition.name,
      })
    }
  }

  /** Validates a definition (one rule for every door and for code) into a new row. */
  private record(input: ScheduleInput, source: 'code' | 'api'): ScheduleRecord {
    const name = parseOrThrow(scheduleNameSchema, input.name, 'schedule name')
    parseOrThrow(workflowNameSchema, input.workflow, 'workflow name')
    const definition = this.deps.definition(input.workflow)
    const expression = parseOrThrow(cronExpressionSchema, input.cron, 'cron expression')
    const timezone = checkTimezone(input.timezone ?? DEFAULT_TIMEZONE)
    const cron: CronSchedule = parseCron(expression, timezone)
    const overlap = parseOrThrow(overlapSchema, input.overlap ?? 'skip', 'overlap')
    const catchUp = parseOrThrow(catchUpSchema, input.catchUp ?? 'latest', 'catch-up')
    const raw = input.data ?? {}
    const data = definition.input ? parseData(definition.input, raw, `data for workflow "${definition.name}"`) : raw
    const now = this.deps.clock.now()
    return {
      name,
      workflow: definition.name,
      cron: expression,
      timezone,
      inputJson: toJsonInput(data, 'data', this.deps.maxPayloadBytes),
      overlap,
      catchUp,
      source,
      paused: false,
      nextTickAt: cron.next(now),
      lastTickAt: null,
      lastExecutionId: null,
      createdAt: now,
      updatedAt: now,
    }
  }

  private async find(name: string): Promise<ScheduleRecord> {
    const id = parseOrThrow(scheduleNameSchema, name, 'schedule name')
    const record = await this.deps.store.getSchedule(id)
    if (!record) throw scheduleNotFound(id)
    return record
  }
}

/** A schedule declared in code, as the input every door gives. */
function declaredInput(workflow: string, declared: WorkflowSchedule): ScheduleInput {
  return {
    name: declared.name ?? workflow,
    workflow,
    cron: declared.cron,
    ...(declared.data !== undefined && { data: declared.data }),
    ...(declared.timezone !== undefined && { timezone: declared.timezone }),
    ...(declared.overlap !== undefined && { overlap: declared.overlap }),
    ...(declared.catchUp !== undefined && { catchUp: declared.catchUp }),
  }
}

function sameDefinition(a: ScheduleRecord, b: ScheduleRecord): boolean {
  return (
    a.workflow === b.workflow &&
    a.cron === b.cron &&
    a.timezone === b.timezone &&
    a.overlap === b.overlap &&
    a.catchUp === b.catchUp &&
    canonicalJson(JSON.parse(a.inputJson)) === canonicalJson(JSON.parse(b.inputJson))
  )
}

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
