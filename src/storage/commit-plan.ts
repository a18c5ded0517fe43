import {
  isTerminal,
  type ChildStart,
  type ExecutionRecord,
  type FencedWrite,
  type Progress,
  type StepRecord,
  type WaitEntry,
  type WriteOutcome,
} from './store.ts'

/**
 * The one meaning of a group commit, shared by every store. A store locks the batch's
 * execution rows and the unconsumed events of their inboxes, hands them here, and applies
 * the `CommitChanges` that come back in the same transaction. Nothing about what a write
 * means lives in SQL: the three dialects differ only in how they lock, read and apply.
 */

/** An unconsumed event of a locked inbox, as a store reads it (oldest first). */
export interface InboxEvent {
  seq: number
  executionId: string
  name: string
  payloadJson: string
  /** An event this batch puts in (no seq yet): a wait of the same batch that takes it marks it here. */
  fresh?: NewInboxEvent
}

/** An event a commit puts into an inbox: a child's end, for its parent. */
export interface NewInboxEvent {
  executionId: string
  name: string
  payloadJson: string
  createdAt: number
  /** The key of the wait that took it in the same commit, else null (it waits in the inbox). */
  consumedBy: string | null
}

/** A child execution a commit creates: pending, due at `now`. */
export interface NewChild {
  start: ChildStart
  parentId: string
  now: number
}

/**
 * The inbox name under which a child's end reaches its parent. It starts with `#`, which
 * no event name may hold (src/names.ts), so no delivery can forge or take it.
 */
export function childEventName(key: string): string {
  return `#child:${key}`
}

/** The inbox name a wait entry is answered under, if any (an event's, or a child's end). */
export function inboxName(wait: WaitEntry): string | undefined {
  if (wait.kind === 'event') return wait.event
  if (wait.kind === 'child') return childEventName(wait.key)
  return undefined
}

/** What a parent receives when its child ends: the child's final status with its output or error. */
export function childOutcomeJson(
  child: Pick<ExecutionRecord, 'id' | 'workflow' | 'status' | 'outputJson' | 'errorJson'>,
): string {
  const head = `{"id":${JSON.stringify(child.id)},"workflow":${JSON.stringify(child.workflow)},"status":${JSON.stringify(child.status)}`
  if (child.status === 'completed') return `${head},"output":${child.outputJson ?? 'null'}}`
  return `${head},"error":${child.errorJson ?? 'null'}}`
}

/**
 * What a child's end does to its parent: the outcome goes into the parent's inbox, and a
 * parent suspended on this child becomes due at once. Null when there is no parent to
 * tell (none, gone, or already finished).
 */
export function parentNotice(
  child: ExecutionRecord,
  parent: ExecutionRecord | undefined,
  now: number,
): { event: NewInboxEvent; wake: ExecutionRecord | null } | null {
  if (child.parentId === null || child.parentKey === null || !parent || parent.id !== child.parentId) return null
  if (isTerminal(parent.status)) return null
  const key = child.parentKey
  const event: NewInboxEvent = {
    executionId: parent.id,
    name: childEventName(key),
    payloadJson: childOutcomeJson(child),
    createdAt: now,
    consumedBy: null,
  }
  const awaits = parent.status === 'waiting' && (parent.waits ?? []).some((w) => w.kind === 'child' && w.key === key)
  return { event, wake: awaits ? { ...parent, status: 'pending', dueAt: now, updatedAt: now } : null }
}

/** An execution row that stays running: only these columns changed. */
export interface TouchedExecution {
  id: string
  currentStep: string | null
  takeovers: number
  progress: Progress | null
  updatedAt: number
}

/** What a commit changes, for the store to apply. */
export interface CommitChanges {
  /** Final state of every execution row the batch moved (suspended, finished, handed back), whole rows. */
  executions: ExecutionRecord[]
  /**
   * Rows the batch only touched (steps and waits recorded, still running): a narrower
   * update, which leaves the indexes on status and due time alone.
   */
  touched: TouchedExecution[]
  /** Step rows to insert or update, at most one per (execution, key), in first-touched order. */
  steps: { executionId: string; step: StepRecord }[]
  /** Inbox events consumed, with the key of the wait that took each. */
  consumed: { seq: number; by: string }[]
  /** Child executions to create (each only if no row has its id yet). */
  created: NewChild[]
  /** Events to put into inboxes: children's ends, for their parents. */
  events: NewInboxEvent[]
}

export interface CommitDecision {
  changes: CommitChanges
  /** One per write, in order. */
  outcomes: WriteOutcome[]
}

/** A committed batch: the decision applied, with the rows it was decided against (by id). */
export interface Committed extends CommitDecision {
  rows: Map<string, ExecutionRecord>
}

/** The error a wait records when its timeout passed before an event came. */
export function eventTimeoutErrorJson(event: string): string {
  return JSON.stringify({ name: 'EventTimeoutError', message: `no "${event}" event before the timeout` })
}

/**
 * Decides a batch of fenced writes against the locked rows, in order: each write sees the
 * effect of the ones before it (two writes of one execution in a batch behave as if
 * committed one after the other).
 *
 * @param rows the locked execution rows by id (absent: the execution no longer exists)
 * @param inbox every unconsumed event of the batch's executions that wait, oldest first
 * @param below the locked unfinished executions under the batch's finishing ones, reached
 *   through children not started detached (see `closingIds`): a finish cancels them
 */
export function decideCommit(
  writes: readonly FencedWrite[],
  rows: ReadonlyMap<string, ExecutionRecord>,
  inbox: readonly InboxEvent[],
  below: readonly ExecutionRecord[] = [],
): CommitDecision {
  const childrenOf = new Map<string, ExecutionRecord[]>()
  for (const row of below) {
    if (row.parentId === null || row.detached) continue
    childrenOf.set(row.parentId, [...(childrenOf.get(row.parentId) ?? []), row])
  }
  const current = new Map<string, ExecutionRecord>()
  const changed = new Set<string>()
  const moved = new Set<string>()
  const steps = new Map<string, { executionId: string; step: StepRecord }>()
  const consumed: { seq: number; by: string }[] = []
  const events = [...inbox]
  const created: NewChild[] = []
  const fresh: NewInboxEvent[] = []

  const outcomes = writes.map((write): WriteOutcome => {
    const id = write.lease.executionId
    const row = current.get(id) ?? rows.get(id)
    if (!row || row.status !== 'running' || row.leaseToken !== write.lease.token) {
      return { ok: false, reason: 'lease_lost' }
    }
    const next: ExecutionRecord = { ...row, updatedAt: write.now }
    const save = () => {
      current.set(id, next)
      changed.add(id)
    }
    const putStep = (step: StepRecord) => {
      const key = `${id}\u0000${step.key}`
      const previous = steps.get(key)
      if (previous) previous.step = step
      else steps.set(key, { executionId: id, step })
      if (step.status === 'completed' || step.status === 'failed') next.takeovers = 0
    }
    /** A paused execution stops at its next recorded point: handed back, not claimed until resumed. */
    const pausedAfter = (outcome: WriteOutcome): WriteOutcome => {
      if (!next.paused) return outcome
      moved.add(id)
      Object.assign(next, released(next), { status: 'pending', dueAt: write.now })
      return { ok: false, reason: 'paused' }
    }
    switch (write.kind) {
      case 'step':
        next.currentStep = write.step.key
        putStep(write.step)
        save()
        return pausedAfter({ ok: true, kind: 'step' })
      case 'wait': {
        next.currentStep = write.step.key
        const at = events.findIndex((e) => e.executionId === id && e.name === write.event)
        const event = events[at]
        if (event) {
          events.splice(at, 1)
          if (event.fresh) event.fresh.consumedBy = write.step.key
          else consumed.push({ seq: event.seq, by: write.step.key })
          putStep({ ...write.step, ...answered(write.step, event.payloadJson), finishedAt: write.now })
          save()
          return pausedAfter({
            ok: true,
            kind: 'wait',
            result: 'consumed',
            payloadJson: event.payloadJson,
            finishedAt: write.now,
          })
        }
        const wakeAt = write.step.wakeAt
        if (wakeAt !== null && wakeAt <= write.now) {
          const errorJson = eventTimeoutErrorJson(write.event)
          putStep({ ...write.step, status: 'failed', errorJson, finishedAt: write.now })
          save()
          return { ok: true, kind: 'wait', result: 'timed_out' }
        }
        putStep({ ...write.step, status: 'waiting', finishedAt: null, resolvedSeq: null })
        save()
        return { ok: true, kind: 'wait', result: 'waiting' }
      }
      case 'child': {
        const { start } = write
        const row = current.get(start.id) ?? rows.get(start.id)
        let result: 'started' | 'existing' = 'started'
        if (row) {
          if (row.parentId !== id || row.parentKey !== start.parentKey) {
            return { ok: true, kind: 'child', result: 'conflict', existing: row }
          }
          result = 'existing'
          // Started before and over already (a retried parent reaching it anew): its end
          // goes to the inbox again, as the parent took the first one.
          const notice = isTerminal(row.status) ? parentNotice(row, next, write.now) : null
          if (notice) {
            fresh.push(notice.event)
            events.push({ seq: -1, ...notice.event, fresh: notice.event })
          }
        } else if (created.some((c) => c.start.id === start.id)) {
          result = 'existing' // the same call twice in one batch
        } else {
          created.push({ start, parentId: id, now: write.now })
        }
        next.currentStep = write.step.key
        putStep(write.step)
        save()
        return pausedAfter({ ok: true, kind: 'child', result })
      }
      case 'progress':
        next.progress = write.progress
        save()
        return { ok: true, kind: 'progress' }
      case 'suspend': {
        const awaited = new Set(write.waits.flatMap((w) => inboxName(w) ?? []))
        const ready = events.filter((e) => e.executionId === id && awaited.has(e.name)).map((e) => e.name)
        if (ready.length > 0) {
          save()
          return { ok: true, kind: 'suspend', result: 'events_ready', events: [...new Set(ready)] }
        }
        const until = earliest(write.waits)
        moved.add(id)
        Object.assign(next, released(next), {
          status: write.status,
          waits: write.waits,
          waitUntil: until,
          dueAt: earliestOf(until, next.deadlineAt),
        })
        save()
        return { ok: true, kind: 'suspend', result: 'suspended' }
      }
      case 'finish': {
        moved.add(id)
        Object.assign(next, released(next), {
          status: write.status,
          outputJson: write.outputJson,
          errorJson: write.errorJson,
          dueAt: null,
        })
        save()
        // The children it leaves unfinished end with it, in this transaction, unless detached.
        const closedIds: string[] = []
        for (const closed of closeChildren(next, childrenOf, (c) => current.get(c) ?? rows.get(c), write.now)) {
          if ('event' in closed) {
            fresh.push(closed.event)
            continue
          }
          current.set(closed.id, closed)
          changed.add(closed.id)
          moved.add(closed.id)
          closedIds.push(closed.id)
        }
        if (write.parentId) {
          const parentId = write.parentId
          const notice = parentNotice(next, current.get(parentId) ?? rows.get(parentId), write.now)
          if (notice) {
            fresh.push(notice.event)
            events.push({ seq: -1, ...notice.event, fresh: notice.event })
            if (notice.wake) {
              current.set(parentId, notice.wake)
              changed.add(parentId)
              moved.add(parentId)
            }
          }
        }
        return closedIds.length > 0
          ? { ok: true, kind: 'finish', execution: next, closed: closedIds }
          : { ok: true, kind: 'finish', execution: next }
      }
      case 'release':
        moved.add(id)
        Object.assign(next, released(next), {
          status: 'pending',
          // The deadline wins: a retry planned after it is claimed at the deadline and times out.
          dueAt: earliestOf(write.runAt, next.deadlineAt),
          errorJson: write.errorJson ?? next.errorJson,
          workflowRetries: next.workflowRetries + (write.countRetry ? 1 : 0),
        })
        save()
        return { ok: true, kind: 'release' }
    }
  })
  return {
    changes: {
      executions: [...changed].filter((id) => moved.has(id)).map((id) => current.get(id) as ExecutionRecord),
      touched: [...changed]
        .filter((id) => !moved.has(id))
        .map((id) => {
          const row = current.get(id) as ExecutionRecord
          return {
            id,
            currentStep: row.currentStep,
            takeovers: row.takeovers,
            progress: row.progress,
            updatedAt: row.updatedAt,
          }
        }),
      steps: [...steps.values()],
      consumed,
      created,
      events: fresh,
    },
    outcomes,
  }
}

/** An unfinished execution cancelled now, with `errorJson` as its error: every column a cancel sets. */
export function cancelledRow(row: ExecutionRecord, now: number, errorJson: string): ExecutionRecord {
  return {
    ...row,
    status: 'cancelled',
    errorJson,
    dueAt: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    waits: null,
    waitUntil: null,
    updatedAt: now,
  }
}

/** The error of a child cancelled because an execution above it finished first. */
export function parentClosedErrorJson(parent: ExecutionRecord): string {
  return JSON.stringify({
    name: 'ParentClosedError',
    code: 'PARENT_CLOSED',
    message:
      `cancelled because "${parent.id}" above it ${parent.status.replace('_', ' ')} before it ended: a child ` +
      'ends with its parent unless started with { detached: true }',
    parent: parent.id,
  })
}

/**
 * The parent close policy: when `parent` reaches a terminal status, its unfinished
 * children not started detached are cancelled, and theirs, down the tree, as a cancel of
 * the parent would (see `decideCancel`). The finished parent is told of nothing; a
 * cancelled child's end goes into the inbox of a parent cancelled with it, for a retry of
 * that parent to find. Yields the cancelled rows and those inbox events.
 *
 * @param childrenOf the locked unfinished executions below, by parent id
 * @param latest a row as this batch last left it, if the batch touched it
 */
function* closeChildren(
  parent: ExecutionRecord,
  childrenOf: ReadonlyMap<string, readonly ExecutionRecord[]>,
  latest: (id: string) => ExecutionRecord | undefined,
  now: number,
): Generator<ExecutionRecord | { event: NewInboxEvent }> {
  const errorJson = parentClosedErrorJson(parent)
  const ended = new Map<string, ExecutionRecord>()
  const queue = [...(childrenOf.get(parent.id) ?? [])]
  for (let child = queue.shift(); child; child = queue.shift()) {
    queue.push(...(childrenOf.get(child.id) ?? []))
    const row = latest(child.id) ?? child
    if (isTerminal(row.status)) continue
    const cancelled = cancelledRow(row, now, errorJson)
    ended.set(row.id, cancelled)
    yield cancelled
    const above = row.parentId === parent.id ? undefined : ended.get(row.parentId ?? '')
    const notice = above && parentNotice(cancelled, { ...above, status: 'running' }, now)
    if (notice) yield { event: notice.event }
  }
}

/**
 * A wait's record once answered: completed with the event's payload; for a child call, the
 * child's end, `failed` (with the child's error) when the child did not complete, so a
 * retry of the parent awaits the child anew like any failed step.
 */
function answered(step: StepRecord, payloadJson: string): Pick<StepRecord, 'status' | 'outputJson' | 'errorJson'> {
  if (step.kind === 'child' && childStatus(payloadJson) !== 'completed') {
    const end = JSON.parse(payloadJson) as { error?: unknown }
    return { status: 'failed', outputJson: payloadJson, errorJson: JSON.stringify(end.error ?? null) }
  }
  return { status: 'completed', outputJson: payloadJson, errorJson: null }
}

/** The status at the head of `childOutcomeJson`'s text, read without parsing an output of any size. */
function childStatus(payloadJson: string): string | undefined {
  return CHILD_STATUS.exec(payloadJson)?.[1] ?? (JSON.parse(payloadJson) as { status?: string }).status
}

const CHILD_STATUS = /^\{"id":"(?:[^"\\]|\\.)*","workflow":"(?:[^"\\]|\\.)*","status":"([a-z_]+)"/

/** The lease and wait columns of a row that stops running. */
function released(row: ExecutionRecord): Partial<ExecutionRecord> {
  return { ...row, leaseOwner: null, leaseExpiresAt: null, waits: null, waitUntil: null }
}

function earliest(waits: readonly WaitEntry[]): number | null {
  return waits.reduce<number | null>((min, w) => earliestOf(min, w.until), null)
}

function earliestOf(a: number | null, b: number | null): number | null {
  if (a === null) return b
  if (b === null) return a
  return Math.min(a, b)
}

/** The first event name among `waits`, for the `wait_event` column older readers show. */
export function firstEvent(waits: readonly WaitEntry[] | null): string | null {
  return waits?.find((w) => w.kind === 'event')?.event ?? null
}

/**
 * The order in which a batch's writes take their row locks: by execution id (stable, so
 * one execution's writes keep their order). Every multi-row locker (group commit,
 * heartbeat, event batches) uses it, so two of them can never wait on each other in a cycle.
 */
export function lockOrder(ids: readonly string[]): number[] {
  return ids
    .map((_, i) => i)
    .sort((a, b) => {
      const x = ids[a] ?? ''
      const y = ids[b] ?? ''
      return x < y ? -1 : x > y ? 1 : a - b
    })
}

/**
 * Ids of the executions a batch touches, each once, in lock order: the writers', the
 * children they start, and the parents of children that finish.
 */
export function lockIds(writes: readonly FencedWrite[]): string[] {
  const ids = writes.flatMap((w) => [
    w.lease.executionId,
    ...(w.kind === 'child' ? [w.start.id] : []),
    ...(w.kind === 'finish' && w.parentId ? [w.parentId] : []),
  ])
  return [...new Set(lockOrder(ids).map((i) => ids[i] as string))]
}

/**
 * Ids of the executions a batch finishes, in lock order: the store locks the unfinished
 * executions under them (through children not started detached) after the batch's rows,
 * in id order, and hands them to `decideCommit` as `below`.
 */
export function closingIds(writes: readonly FencedWrite[]): string[] {
  return [...new Set(writes.filter((w) => w.kind === 'finish').map((w) => w.lease.executionId))].sort()
}

/** Ids of the executions whose inbox a batch reads (those with a wait or a suspend). */
export function inboxIds(writes: readonly FencedWrite[]): string[] {
  return [
    ...new Set(writes.filter((w) => w.kind === 'wait' || w.kind === 'suspend').map((w) => w.lease.executionId)),
  ].sort()
}
