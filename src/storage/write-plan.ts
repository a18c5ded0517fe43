import type { ExecutionRecord, FencedWrite, StepRecord, WriteOutcome } from './store.ts'

/** What a planned write does to the execution after its step row, if anything. */
export type PlannedTransition =
  | { kind: 'release'; runAt: number; errorJson: string | null; countRetry: 0 | 1 }
  | { kind: 'suspend'; event: string | null; wakeAt: number | null }
  | {
      kind: 'finish'
      status: 'completed' | 'failed' | 'timed_out'
      outputJson: string | null
      errorJson: string | null
    }

/**
 * A fenced write flattened into the few things a SQL backend does for it, in this order:
 * check the fence (and set `current_step`), consume an event for a wait, upsert the step
 * row, move the execution. Backends that apply a whole batch in one round trip (a
 * PostgreSQL function, a MySQL multi-statement) share this so they agree on meaning.
 */
export interface WritePlan {
  id: string
  token: number
  now: number
  currentStep: string | null
  /** The step row to upsert; for a wait, its `waiting` form (the store decides the outcome). */
  step: StepRecord | null
  /** For `ctx.waitForEvent`: consume the oldest event of this name, else time out, else suspend. */
  wait: { event: string; timeoutErrorJson: string } | null
  /** For a wait, applies only when it suspends (no event, timeout not reached). */
  then: PlannedTransition | null
}

/** Flattens one fenced write; see `WritePlan`. */
export function planWrite(write: FencedWrite): WritePlan {
  const base = { id: write.lease.executionId, token: write.lease.token, now: write.now }
  switch (write.kind) {
    case 'step':
      return {
        ...base,
        currentStep: write.step.key,
        step: write.step,
        wait: null,
        then:
          write.retryAt === undefined
            ? null
            : { kind: 'release', runAt: write.retryAt, errorJson: null, countRetry: 0 },
      }
    case 'sleep':
      return {
        ...base,
        currentStep: write.stepKey,
        step: waitingStep(write.stepKey, 'sleep', write.now, write.wakeAt),
        wait: null,
        then: { kind: 'suspend', event: null, wakeAt: write.wakeAt },
      }
    case 'wait':
      return {
        ...base,
        currentStep: write.stepKey,
        step: waitingStep(write.stepKey, 'wait', write.now, write.wakeAt),
        wait: { event: write.event, timeoutErrorJson: eventTimeoutErrorJson(write.event) },
        then: { kind: 'suspend', event: write.event, wakeAt: write.wakeAt },
      }
    case 'finish':
      return {
        ...base,
        currentStep: null,
        step: null,
        wait: null,
        then: { kind: 'finish', status: write.status, outputJson: write.outputJson, errorJson: write.errorJson },
      }
    case 'release':
      return {
        ...base,
        currentStep: null,
        step: null,
        wait: null,
        then: { kind: 'release', runAt: write.runAt, errorJson: write.errorJson, countRetry: write.countRetry ? 1 : 0 },
      }
  }
}

/** The error a wait records when its timeout passed before an event came (every adapter writes this). */
export function eventTimeoutErrorJson(event: string): string {
  return JSON.stringify({ name: 'EventTimeoutError', message: `no "${event}" event before the timeout` })
}

/** The step row of a wait or sleep that has begun and not ended. */
export function waitingStep(key: string, kind: 'wait' | 'sleep', now: number, wakeAt: number | null): StepRecord {
  return {
    key,
    name: key.replace(/#\d+$/, ''),
    kind,
    status: 'waiting',
    attempts: 1,
    outputJson: null,
    errorJson: null,
    startedAt: now,
    finishedAt: null,
    wakeAt,
  }
}

/** What a backend found when it applied a planned write. */
export interface AppliedPlan {
  /** False when the fence failed: the lease no longer holds. */
  ok: boolean
  /** For a wait: what happened to it. */
  result?: 'consumed' | 'timed_out' | 'waiting' | undefined
  payloadJson?: string | undefined
  finishedAt?: number | undefined
  /** For a finish, when the backend read it in the same transaction: the finished row. */
  execution?: ExecutionRecord | undefined
}

/** Turns what a backend found back into the contract's outcome for that write. */
export function toWriteOutcome(write: FencedWrite, applied: AppliedPlan | undefined): WriteOutcome {
  if (!applied?.ok) return { ok: false, reason: 'lease_lost' }
  if (write.kind === 'finish')
    return { ok: true, kind: 'finish', ...(applied.execution && { execution: applied.execution }) }
  if (write.kind !== 'wait') return { ok: true, kind: write.kind }
  if (applied.result === 'consumed' && applied.payloadJson !== undefined) {
    return {
      ok: true,
      kind: 'wait',
      result: 'consumed',
      payloadJson: applied.payloadJson,
      finishedAt: applied.finishedAt ?? write.now,
    }
  }
  return { ok: true, kind: 'wait', result: applied.result === 'timed_out' ? 'timed_out' : 'waiting' }
}

/**
 * The order in which a batch's writes take their row locks: by execution id (stable, so
 * one execution's writes keep their order). Every multi-row locker (group commit,
 * heartbeat) uses it, so two of them can never wait on each other in a cycle.
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
