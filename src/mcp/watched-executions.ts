import { executionIdSchema } from '../client/schemas.ts'

/** How many execution ids one session keeps; past it, the one named longest ago is forgotten. */
export const MAX_WATCHED = 1_000

/**
 * The executions one MCP session has a reason to hear about: those it started, and those
 * it named (a tool's `execution_id`, a resource it read or subscribed to, a task whose
 * result it collected), with the children an execution's view showed it. Log lines about
 * any other execution are not sent to it (see `forwardLogs`): over HTTP, sessions of
 * different agents share one server, and one agent's step names and errors are not
 * another's business. A list page (`list_executions`, `resources/list`, completions) adds
 * nothing: seeing an id among many is not asking about it.
 *
 * Bounded: naming an id again makes it the newest; past `max` ids the oldest is dropped.
 */
export class WatchedExecutions {
  private readonly ids = new Set<string>()
  private readonly max: number

  constructor(max = MAX_WATCHED) {
    this.max = max
  }

  /** Watches `id` (when it is a valid execution id), as the newest. */
  add(id: unknown): void {
    if (!executionIdSchema.safeParse(id).success) return
    const valid = id as string
    this.ids.delete(valid)
    this.ids.add(valid)
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value as string)
  }

  /** True when lines about `id` go to this session. */
  has(id: unknown): boolean {
    return typeof id === 'string' && this.ids.has(id)
  }

  /** Watches the execution a tool is called about: its `execution_id` argument. */
  addArguments(args: unknown): void {
    if (isObject(args)) this.add(args.execution_id)
  }

  /**
   * Watches the execution a result is about: a scheduled `execution_id`, or the `id` of an
   * execution's view and the ids of the `children` it lists.
   */
  addResult(structured: unknown): void {
    if (!isObject(structured)) return
    this.add(structured.execution_id)
    this.addView(structured)
  }

  /** Watches an execution's view: its `id` and its listed `children`. */
  addView(view: unknown): void {
    if (!isObject(view) || typeof view.workflow !== 'string') return
    this.add(view.id)
    if (Array.isArray(view.children)) for (const child of view.children) if (isObject(child)) this.add(child.id)
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
