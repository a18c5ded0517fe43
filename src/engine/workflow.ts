import { createHash } from 'node:crypto'
import type { z } from 'zod'
import { ZartError } from '../errors.ts'
import { EVENT_NAME, nameProblem, WORKFLOW_NAME } from '../names.ts'
import type { Duration } from '../duration.ts'
import { checkPriority, checkQueue, checkQueueName, type QueueOptions } from '../queues.ts'
import type { WorkflowContext } from './context.ts'
import type { CatchUpPolicy, OverlapPolicy } from '../storage/schedules.ts'

const BRAND = Symbol.for('zart.workflow')

/**
 * A cron schedule declared with a workflow. Workers that load the workflow upsert it into
 * the database under `name` (default: the workflow's name), where it is managed like one
 * added with `zart cron add`; see docs/cron.md for when code and run-time changes disagree.
 *
 * @example
 * schedule: { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' }
 */
export interface WorkflowSchedule {
  /** Five fields (`minute hour day-of-month month day-of-week`), or six with seconds first. */
  cron: string
  /** IANA time zone the expression is read in (default `UTC`). */
  timezone?: string
  /** The data each tick's execution starts with (default `{}`). */
  data?: unknown
  /** While the previous tick's execution has not finished: `skip` (default), `queue` or `allow`. */
  overlap?: OverlapPolicy
  /** Ticks missed while no worker ran: `none`, `latest` (default) or `all` (at most 100). */
  catchUp?: CatchUpPolicy
  /** The schedule's name (default: the workflow's name). */
  name?: string
}

/** Options of a workflow, as written by its author. */
export interface WorkflowOptions<Input> {
  /** Unique name the workflow is scheduled by: letters, digits, `_ . : - /`, starting with a letter or digit. */
  name: string
  /** One or two sentences for people and agents choosing what to schedule. */
  description?: string
  /** Deadline for the whole execution from its creation, e.g. `"10m"`. */
  timeout?: Duration
  /** Re-runs of the whole workflow after an error outside steps (default 0). */
  maxRetries?: number
  /** Validates the input when the workflow is scheduled; also shown as JSON Schema. */
  input?: z.ZodType<Input>
  /**
   * Schemas of the events the workflow waits for, shown to agents that must deliver them.
   * When given, delivering an event not named here is refused.
   */
  events?: Record<string, z.ZodType>
  /**
   * The workflow's version, stored on every execution it starts (default: derived from
   * the body's source, so any change of code is a new version). Workers started with
   * `pinVersions` claim only executions of the versions they run.
   */
  version?: string
  /** Start the workflow on a cron schedule (see `WorkflowSchedule`). */
  schedule?: WorkflowSchedule
  /**
   * The queue its executions run under (docs/queues.md): a name, or a name with limits that
   * are stored in the database when the client opens, so every worker enforces the same.
   * A schedule call may name another queue.
   *
   * @example
   * queue: { name: 'emails', concurrency: 10, keyConcurrency: 1, rateLimit: { limit: 100, period: '1m' } }
   */
  queue?: string | QueueOptions
  /** Default priority of its executions within their queue (larger runs first; default 0). */
  priority?: number
}

/** A workflow the engine can run: made by `defineWorkflow` or from a `TaskHandler`. */
export interface WorkflowDefinition<Input = unknown, Output = unknown> {
  readonly [BRAND]: true
  readonly name: string
  readonly description: string | undefined
  readonly timeout: Duration | undefined
  readonly maxRetries: number
  readonly input: z.ZodType<Input> | undefined
  readonly events: Record<string, z.ZodType> | undefined
  /** Declared, or `code-` and a hash of the body's source. */
  readonly version: string
  /** The cron schedule declared with it, if any. */
  readonly schedule: WorkflowSchedule | undefined
  /** See `WorkflowOptions.queue`. */
  readonly queue: string | QueueOptions | undefined
  readonly priority: number | undefined
  run(ctx: WorkflowContext, input: Input): Promise<Output>
}

/**
 * Defines a workflow in function form.
 *
 * @example
 * export const greet = defineWorkflow(
 *   { name: 'greet', timeout: '1m', input: z.object({ who: z.string() }) },
 *   async (ctx, { who }) => ctx.step('hello', async () => `hello ${who}`),
 * )
 */
export function defineWorkflow<Input, Output>(
  options: WorkflowOptions<Input>,
  body: (ctx: WorkflowContext, input: Input) => Promise<Output>,
): WorkflowDefinition<Input, Output> {
  return {
    [BRAND]: true,
    name: options.name,
    description: options.description,
    timeout: options.timeout,
    maxRetries: options.maxRetries ?? 0,
    input: options.input,
    events: options.events,
    version: options.version ?? codeVersion(body),
    schedule: options.schedule,
    queue: options.queue,
    priority: options.priority,
    run: body,
  }
}

/** A version derived from code: the same source gives the same version on every machine. */
function codeVersion(code: { toString(): string }): string {
  return `code-${createHash('sha256').update(code.toString()).digest('hex').slice(0, 12)}`
}

/**
 * The class form of a workflow.
 *
 * @example
 * export default class Reindex implements TaskHandler<{ index: string }, number> {
 *   name = 'reindex'
 *   timeout() { return '30m' }
 *   async run(ctx: WorkflowContext, data: { index: string }) { ... }
 * }
 */
export interface TaskHandler<Data = unknown, Output = unknown> {
  name: string
  description?: string
  inputSchema?: z.ZodType<Data>
  events?: Record<string, z.ZodType>
  /** See `WorkflowOptions.version`; derived from the class's source when omitted. */
  version?: string
  /** See `WorkflowOptions.schedule`. */
  schedule?: WorkflowSchedule
  /** See `WorkflowOptions.queue` and `priority`. */
  queue?: string | QueueOptions
  priority?: number
  run(ctx: WorkflowContext, data: Data): Promise<Output>
  maxRetries?(): number
  timeout?(): Duration
}

/** Wraps a TaskHandler instance as a workflow definition. */
export function fromTaskHandler<Data, Output>(handler: TaskHandler<Data, Output>): WorkflowDefinition<Data, Output> {
  return defineWorkflow<Data, Output>(
    {
      name: handler.name,
      ...(handler.description !== undefined && { description: handler.description }),
      ...(handler.timeout && { timeout: handler.timeout() }),
      maxRetries: handler.maxRetries ? handler.maxRetries() : 0,
      ...(handler.inputSchema && { input: handler.inputSchema }),
      ...(handler.events && { events: handler.events }),
      version: handler.version ?? codeVersion(handler.constructor),
      ...(handler.schedule && { schedule: handler.schedule }),
      ...(handler.queue !== undefined && { queue: handler.queue }),
      ...(handler.priority !== undefined && { priority: handler.priority }),
    },
    (ctx, data) => handler.run(ctx, data),
  )
}

export function isWorkflowDefinition(value: unknown): value is WorkflowDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
}

function isTaskHandler(value: unknown): value is TaskHandler {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<TaskHandler>
  return typeof candidate.name === 'string' && typeof candidate.run === 'function'
}

/**
 * Turns what a module exports into workflow definitions: definitions themselves,
 * TaskHandler instances, and TaskHandler classes (constructed with no arguments).
 */
export function toWorkflowDefinition(value: unknown): WorkflowDefinition | undefined {
  if (isWorkflowDefinition(value)) return value
  if (isTaskHandler(value)) return fromTaskHandler(value)
  if (typeof value === 'function' && typeof (value.prototype as { run?: unknown } | undefined)?.run === 'function') {
    try {
      const instance: unknown = new (value as new () => unknown)()
      if (isTaskHandler(instance)) return fromTaskHandler(instance)
    } catch {
      return undefined
    }
  }
  return undefined
}

/** Anything accepted where workflows are registered. */
// zod schemas are invariant in their output type, so `never` admitted no workflow with a
// typed input; `any` is the one type argument every definition is assignable to.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type WorkflowLike =
  WorkflowDefinition<any, unknown> | TaskHandler<any, unknown> | (new () => TaskHandler<any, unknown>)
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * Checks what a definition names before it is registered: its workflow name and the
 * names of the events it declares follow `src/names.ts`, so a workflow can never wait for
 * an event that delivery would refuse. Throws INVALID_INPUT naming the workflow.
 */
export function checkWorkflowDefinition(definition: WorkflowDefinition): void {
  const problem = nameProblem(WORKFLOW_NAME, definition.name)
  if (problem !== undefined) {
    throw new ZartError('INVALID_INPUT', `cannot register workflow: ${problem}`, {
      issues: [{ path: 'name', message: problem }],
    })
  }
  try {
    if (typeof definition.queue === 'string') checkQueueName(definition.queue)
    else if (definition.queue !== undefined) checkQueue(definition.queue)
    if (definition.priority !== undefined) checkPriority(definition.priority)
  } catch (error) {
    if (!(error instanceof ZartError)) throw error
    throw new ZartError('INVALID_INPUT', `cannot register workflow "${definition.name}": ${error.message}`, {
      workflow: definition.name,
      ...error.details,
    })
  }
  for (const event of Object.keys(definition.events ?? {})) {
    const bad = nameProblem(EVENT_NAME, event)
    if (bad === undefined) continue
    throw new ZartError('INVALID_INPUT', `cannot register workflow "${definition.name}": in its events, ${bad}`, {
      workflow: definition.name,
      issues: [{ path: `events.${event}`, message: bad }],
    })
  }
}
