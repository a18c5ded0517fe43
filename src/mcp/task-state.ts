import type { CallToolResult, Task } from '@modelcontextprotocol/sdk/types.js'
import type { ExecutionView } from '../client/status-view.ts'
import type { TaskRecord } from '../client/zart.ts'

/** How often a client should look again while the execution runs or is due soon, in ms. */
const POLL_MIN_MS = 1_000
/** The longest we ask a client to stay away: a sleep of a day still gets looked at. */
const POLL_MAX_MS = 30_000
/** While a person must answer, nothing moves on its own; a few seconds keeps the answer prompt. */
const POLL_INPUT_MS = 5_000

const FINISHED = new Set(['completed', 'failed', 'cancelled', 'timed_out'])

/** True once the execution is in a terminal state (and so is its task). */
export function isFinished(view: ExecutionView): boolean {
  return FINISHED.has(view.status)
}

/** The first event the execution waits for, if any: the task then needs input. */
export function awaitedEvent(view: ExecutionView): { event: string; schema?: unknown } | undefined {
  if (view.status !== 'waiting') return undefined
  const wait = view.waiting_for?.find((w) => w.kind === 'event' && w.event)
  return wait?.event ? { event: wait.event, ...(wait.schema !== undefined && { schema: wait.schema }) } : undefined
}

/**
 * The MCP task an execution is: pending, running and sleeping are `working`, waiting for
 * an event is `input_required`, and the terminal states map one to one (`timed_out` is
 * `failed`). `statusMessage` is the workflow's latest progress, or what it waits for.
 */
export function toTask(record: TaskRecord, view: ExecutionView, now: number): Task {
  const awaited = awaitedEvent(view)
  const status: Task['status'] = isFinished(view)
    ? view.status === 'timed_out'
      ? 'failed'
      : (view.status as 'completed' | 'failed' | 'cancelled')
    : awaited
      ? 'input_required'
      : 'working'
  const message = statusMessage(view, awaited?.event)
  return {
    taskId: record.id,
    status,
    ttl: record.ttlMs,
    createdAt: new Date(record.createdAt).toISOString(),
    lastUpdatedAt: view.updated_at,
    ...(status === 'working' || status === 'input_required' ? { pollInterval: pollInterval(view, now) } : {}),
    ...(message !== undefined && { statusMessage: message }),
  }
}

function statusMessage(view: ExecutionView, event: string | undefined): string | undefined {
  const id = JSON.stringify(view.id)
  if (event !== undefined) {
    return (
      `execution ${id} is waiting for event "${event}": answer the form tasks/result shows, or send it with ` +
      `deliver_event {execution_id: ${id}, event: "${event}", data}` +
      (view.progress?.message ? ` (${view.progress.message})` : '')
    )
  }
  if (isFinished(view)) {
    const error = view.error as { message?: unknown } | undefined
    return typeof error?.message === 'string' ? `execution ${id} ${view.status}: ${error.message}` : undefined
  }
  return view.progress?.message ?? `execution ${id} is ${view.status}${view.step ? ` (at ${view.step})` : ''}`
}

/** Follows the next expected wake-up: soon while it runs, at the sleep's or start's end otherwise. */
function pollInterval(view: ExecutionView, now: number): number {
  if (view.status === 'running') return POLL_MIN_MS
  if (awaitedEvent(view)) return POLL_INPUT_MS
  const ends = (view.waiting_for ?? []).flatMap((w) => (w.deadline ? [Date.parse(w.deadline)] : []))
  if (view.run_at) ends.push(Date.parse(view.run_at))
  if (ends.length === 0) return view.status === 'pending' ? POLL_MIN_MS : POLL_MAX_MS
  return Math.min(POLL_MAX_MS, Math.max(POLL_MIN_MS, Math.min(...ends) - now))
}

/**
 * What `tasks/result` returns for a finished execution: its output as the tool result
 * (`structuredContent` is the output when it is an object, else `{ output }`); a failure,
 * a timeout or a cancellation is an `isError` result carrying the coded error.
 */
export function taskResult(view: ExecutionView): CallToolResult {
  if (view.status === 'completed') {
    const output = view.output ?? null
    const structured = isRecord(output) ? output : { output }
    return { content: [{ type: 'text', text: JSON.stringify(output) }], structuredContent: structured }
  }
  const error = isRecord(view.error) ? view.error : {}
  const code =
    typeof error.code === 'string' ? error.code : view.status === 'cancelled' ? 'CANCELLED' : view.status.toUpperCase()
  const message =
    typeof error.message === 'string' ? error.message : `execution ${JSON.stringify(view.id)} ${view.status}`
  return {
    isError: true,
    content: [{ type: 'text', text: `${code}: ${message}` }],
    structuredContent: { error: { ...error, code, message }, execution_id: view.id, status: view.status },
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
