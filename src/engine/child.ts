import { createHash } from 'node:crypto'
import { ChildFailedError, ZartError, type SerializedError } from '../errors.ts'
import { EXECUTION_ID, nameProblem, WORKFLOW_NAME } from '../names.ts'
import type { WorkflowDefinition } from './workflow.ts'

/** Options of `ctx.child` and `ctx.startChild`. */
export interface ChildOptions {
  /**
   * The call's key in the parent (default: the child workflow's name, numbered `#2`, `#3`...
   * when repeated). The child's execution id is the parent's id, `/`, and this key, so a
   * replay finds the child it started instead of starting another. Follows the rule of
   * execution ids (letters, digits, `_ . : - /`).
   */
  id?: string
  /** Leave the child running when the parent is cancelled (default false: it is cancelled too). */
  detached?: boolean
}

/** A child started by `ctx.startChild`, to be awaited later. */
export interface ChildHandle<T> {
  /** The child execution's id (deterministic: the parent's id, `/`, the call's key). */
  readonly id: string
  readonly workflow: string
  /**
   * Waits durably for the child to end, holding no worker meanwhile: its output, or
   * `ChildFailedError` when it failed, was cancelled or timed out.
   */
  result(): Promise<T>
}

/** What the client makes of a child call: the checked input and the child workflow's settings. */
export interface ChildSpec {
  workflow: string
  inputJson: string
  version: string | null
  /** The child workflow's timeout, from its start; null for none. */
  timeoutMs: number | null
}

/**
 * Checks a child call as a schedule is checked (known workflow, input valid for its
 * schema): one rule at both ends. Throws a coded ZartError.
 */
export type PrepareChild = (workflow: string, input: unknown, parent: string) => ChildSpec

/** The workflow name of a child call, checked; throws INVALID_INPUT. */
export function childWorkflowName(workflow: string | WorkflowDefinition): string {
  const name = typeof workflow === 'string' ? workflow : workflow?.name
  const problem = nameProblem(WORKFLOW_NAME, name)
  if (problem !== undefined) throw new ZartError('INVALID_INPUT', `ctx.child: ${problem}`)
  return name
}

/** The key a child call is recorded under (before numbering): its `id` option, else the workflow. */
export function childCallName(workflow: string, options: ChildOptions): string {
  if (options.id === undefined) return workflow
  const problem = nameProblem({ ...EXECUTION_ID, what: 'child id' }, options.id)
  if (problem !== undefined) throw new ZartError('INVALID_INPUT', `ctx.child: ${problem}`)
  return options.id
}

/**
 * The child's execution id: the parent's id, `/`, and the call's key (`#` of a repeat
 * written `-`). An id over the 128 characters every store holds keeps a prefix of the
 * parent's id and ends with a digest of the whole, still the same on every replay.
 */
export function childExecutionId(parentId: string, key: string): string {
  const full = `${parentId}/${key.replace('#', '-')}`
  if (full.length <= EXECUTION_ID.max) return full
  return `${parentId.slice(0, 96)}/h${createHash('sha256').update(full).digest('hex').slice(0, 24)}`
}

/** The child's end as its parent receives it (see `childOutcomeJson` in the commit plan). */
interface ChildOutcome {
  id: string
  workflow: string
  status: 'completed' | 'failed' | 'cancelled' | 'timed_out'
  output?: unknown
  error?: SerializedError | null
}

/** The child's output, or its failure raised as `ChildFailedError`. */
export function childResult<T>(payloadJson: string | null): T {
  const outcome = JSON.parse(payloadJson ?? 'null') as ChildOutcome
  if (outcome.status === 'completed') return outcome.output as T
  const cause = outcome.error ?? { name: 'Error', message: `the child ${outcome.status}` }
  throw new ChildFailedError(outcome.id, outcome.workflow, outcome.status, cause)
}

/** A child call whose id is taken by another execution: nothing was started. */
export function childIdConflict(id: string, key: string, existing: { workflow: string; parentId: string | null }) {
  const owner = existing.parentId === null ? 'an execution scheduled on its own' : `a child of "${existing.parentId}"`
  return new ZartError(
    'ID_CONFLICT',
    `ctx.child: the child id "${id}" (call "${key}") is taken by ${owner} (workflow "${existing.workflow}"): ` +
      'give the call another id ({ id: ... })',
    { execution_id: id },
  )
}
