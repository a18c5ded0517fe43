import type { Clock } from '../clock.ts'
import { checkTimezone, DEFAULT_TIMEZONE, parseCron, type CronSchedule } from '../cron.ts'
import { setLongInterval, setLongTimeout, type LongTimer } from '../timers.ts'
import { asZartError, ZartError } from '../errors.ts'
import { canonicalJson } from '../engine/json.ts'
import type { Logger } from '../engine/logger.ts'
import type { WorkflowDefinition, WorkflowSchedule } from '../engine/workflow.ts'
import { isTerminal, type ScheduleRecord, type Store } from '../storage/store.ts'
import { SCHEDULE_NAME, WORKFLOW_NAME } from '../names.ts'
import {
  CATCH_UP_ERROR,
  CATCH_UP_POLICIES,
  checkCronExpression,
  checkName,
  checkOneOf,
  OVERLAP_ERROR,
  OVERLAP_POLICIES,
  parseData,
} from './validate.ts'
import { toJsonInput } from './support.ts'
import { MAX_CATCH_UP, planTicks } from './tick-plan.ts'
import {
  scheduleNotFound,
  tickExecutionId,
  toScheduleView,
  type AddScheduleResult,
  type RemoveScheduleResult,
  type ScheduleInput,
  type ScheduleView,
} from './schedule-view.ts'

export type { AddScheduleResult, RemoveScheduleResult, ScheduleInput, ScheduleView } from './schedule-view.ts'

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

/** How soon a tick found already due after a pass is looked at again (see `armNextTick`). */
const DUE_AGAIN_MS = 1_000

/**
 * Cron schedules: stored in the database, so every worker on every machine sees the same
 * ones, and fired by whichever worker finds a tick due first. See docs/cron.md.
 */
export class Schedules {
  private declared: Promise<void> | null = null
  private timer: LongTimer | null = null
  private pass: Promise<void> | null = null
  /** While polling: one pass (see `startPolling`), its interval, and the timer armed for the next tick. */
  private poll: { run: () => void; ms: number } | null = null
  private tickTimer: LongTimer | null = null
  private passAgain = false

  private readonly deps: ScheduleDeps

  constructor(deps: ScheduleDeps) {
    this.deps = deps
  }

  /** Fires due ticks every `pollMs` (one pass at a time) until `stopPolling`. */
  startPolling(pollMs: number): void {
    this.timer?.clear()
    this.passAgain = false
    // While the database is unreachable: one log line, not one a poll.
    let failing = false
    const run = () => {
      // A pass asked for while one is on its way (a tick's timer, the interval) runs after
      // it: the tick that timer was for may have come due after that pass read the schedules.
      if (this.pass) {
        this.passAgain = true
        return
      }
      this.pass = this.fireDue()
        .then(() => this.armNextTick())
        .then(
          () => {
            if (failing) this.deps.logger.info('cron poll works again')
            failing = false
          },
          (error: unknown) => {
            if (!failing) this.deps.logger.warn('cron poll failed; trying again each poll', { error: String(error) })
            failing = true
          },
        )
        .finally(() => {
          this.pass = null
          if (!this.passAgain || this.poll?.run !== run) return
          this.passAgain = false
          run()
        })
    }
    this.poll = { run, ms: pollMs }
    this.timer = setLongInterval(run, pollMs).unref()
    run()
  }

  /** Stops polling and waits for a pass in flight. */
  async stopPolling(): Promise<void> {
    this.timer?.clear()
    this.timer = null
    this.poll = null
    this.tickTimer?.clear()
    this.tickTimer = null
    await this.pass
  }

  /**
   * While polling, arms a pass at the next tick when it falls before the next poll: a tick
   * fires at its time, not up to a poll interval late. A tick already due when this reads
   * (it came due while the pass ran, or the pass left it: its previous run still going,
   * overlap `skip`) is looked at again a second later, or at the poll if that is sooner:
   * never a spin, never a long poll's wait.
   */
  private async armNextTick(): Promise<void> {
    const poll = this.poll
    const workflows = this.deps.definitions().map((d) => d.name)
    if (!poll || !this.deps.store.nextScheduleTick || workflows.length === 0) return
    const next = await this.deps.store.nextScheduleTick(workflows)
    if (next === null || this.poll !== poll) return
    const untilNext = next - this.deps.clock.now()
    const wait = untilNext > 0 ? untilNext : DUE_AGAIN_MS
    if (wait >= poll.ms) return
    this.tickTimer?.clear()
    this.tickTimer = setLongTimeout(poll.run, wait).unref()
  }

  /** After a change made here (a schedule added or resumed): its first tick may come before the next poll. */
  private rearm(): void {
    this.armNextTick().catch((error: unknown) =>
      this.deps.logger.warn('could not look up the next cron tick; it fires at the next poll', {
        error: String(error),
      }),
    )
  }

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
    if (created) this.rearm()
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
    const id = checkName(SCHEDULE_NAME, name)
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
    if (!paused) this.rearm()
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
    const previous =
      schedule.overlap !== 'allow' && schedule.lastExecutionId !== null
        ? await this.deps.store.getExecution(schedule.lastExecutionId)
        : undefined
    const plan = planTicks({
      cron,
      from,
      now,
      overlap: schedule.overlap,
      catchUp: schedule.catchUp,
      previousRunning: previous !== undefined && !isTerminal(previous.status),
    })
    if (plan.kind === 'wait') return []
    const { ticks: chosen, to, skipped, beyondBound } = plan
    const started: string[] = []
    for (const tick of chosen) {
      const id = tickExecutionId(schedule.name, tick)
      if (await this.startTick(schedule, id)) started.push(id)
    }
    const last = chosen.at(-1)
    if (skipped > 0 || beyondBound) {
      this.deps.logger.info('cron ticks skipped', {
        schedule: schedule.name,
        skipped,
        ...(beyondBound && { older: `every tick before the ${MAX_CATCH_UP} latest` }),
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
    const name = checkName(SCHEDULE_NAME, input.name)
    checkName(WORKFLOW_NAME, input.workflow)
    const definition = this.deps.definition(input.workflow)
    const expression = checkCronExpression(input.cron)
    const timezone = checkTimezone(input.timezone ?? DEFAULT_TIMEZONE)
    const cron: CronSchedule = parseCron(expression, timezone)
    const overlap = checkOneOf(OVERLAP_POLICIES, input.overlap ?? 'skip', OVERLAP_ERROR, 'overlap')
    const catchUp = checkOneOf(CATCH_UP_POLICIES, input.catchUp ?? 'latest', CATCH_UP_ERROR, 'catch-up')
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
    const id = checkName(SCHEDULE_NAME, name)
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
