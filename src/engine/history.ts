import type { StepKind, StepRecord } from '../storage/store.ts'

/** A durable point as the code asks for it during a run. */
export interface PointCall {
  kind: StepKind
  name: string
  key: string
  /** 1 for the first durable point the run reached, then 2, 3, ... */
  position: number
}

/** Where a replay left the recorded history: what history had, and what the code asked for. */
export interface Divergence {
  position: number
  history: { kind: StepKind; name: string } | null
  code: { kind: StepKind; name: string } | null
  message: string
}

/**
 * The recorded durable points of one execution, as a run replays them. Each call the
 * code makes is matched against what was recorded at the same position: the same kind
 * and name means the same point; anything else means the code changed under the
 * execution, and the run must stop before it does anything new.
 */
export class History {
  private readonly byPosition = new Map<number, StepRecord>()
  private readonly byKey = new Map<string, StepRecord>()
  private readonly matched = new Set<number>()
  /** The highest recorded position (0 for none): kept, as every new step asks about it. */
  private readonly lastPosition: number

  constructor(records: readonly StepRecord[]) {
    let last = 0
    for (const record of records) {
      this.byKey.set(record.key, record)
      if (record.position !== null) {
        this.byPosition.set(record.position, record)
        last = Math.max(last, record.position)
      }
    }
    this.lastPosition = last
  }

  /** Whether every recorded point has been matched by a call: the replay has caught up. */
  caughtUp(): boolean {
    return this.matched.size === this.byPosition.size
  }

  /**
   * The record a call replays, `null` for a point not recorded yet, or the divergence.
   * Records from before positions existed are matched by key only.
   */
  match(call: PointCall): StepRecord | null | Divergence {
    const atPosition = this.byPosition.get(call.position)
    if (atPosition) {
      if (atPosition.kind !== call.kind || atPosition.name !== call.name || atPosition.key !== call.key) {
        return divergence(call.position, atPosition, call)
      }
      this.matched.add(call.position)
      return atPosition
    }
    const byKey = this.byKey.get(call.key)
    if (byKey && byKey.position !== null) return divergence(call.position, null, call, byKey)
    if (byKey && byKey.kind !== call.kind) return divergence(call.position, byKey, call)
    return byKey ?? null
  }

  /** Whether anything was recorded at this position or after it. */
  recordedFrom(position: number): boolean {
    return this.lastPosition >= position
  }

  /** Whether a patch marker of this id was recorded at this position. */
  patchAt(position: number, id: string): boolean {
    const record = this.byPosition.get(position)
    if (record?.kind !== 'patch' || record.name !== id) return false
    this.matched.add(position)
    return true
  }

  /** The first recorded point no call has matched: history the code never reached. */
  firstUnmatched(): Divergence | null {
    const positions = [...this.byPosition.keys()].filter((p) => !this.matched.has(p)).sort((a, b) => a - b)
    const position = positions[0]
    if (position === undefined) return null
    const record = this.byPosition.get(position) as StepRecord
    return divergence(position, record, null)
  }

  /** How many waits history left open (reached, not answered): more than one means a race of waits. */
  openWaits(): number {
    let open = 0
    for (const record of this.byKey.values()) if (record.kind === 'wait' && record.status === 'waiting') open++
    return open
  }

  /** Results recorded in the order they were handed to the workflow. */
  resolvedSeqs(): number[] {
    const seqs: number[] = []
    for (const record of this.byKey.values()) {
      if (record.resolvedSeq !== null && isResolved(record)) seqs.push(record.resolvedSeq)
    }
    return seqs.sort((a, b) => a - b)
  }

  /** The largest result order recorded, so new results are handed back after every stored one. */
  maxSeq(): number {
    let max = 0
    for (const record of this.byKey.values()) max = Math.max(max, record.resolvedSeq ?? 0)
    return max
  }
}

/** A recorded point whose result (value or failure) was handed to the workflow. */
export function isResolved(record: StepRecord): boolean {
  return record.status === 'completed' || record.status === 'failed'
}

const describe = (point: { kind: StepKind; name: string }) =>
  point.kind === 'patch' ? `patched("${point.name}")` : `${point.kind} "${point.name}"`

function divergence(
  position: number,
  history: StepRecord | null,
  call: PointCall | null,
  elsewhere?: StepRecord,
): Divergence {
  const had = history ? { kind: history.kind, name: history.name } : null
  const asked = call ? { kind: call.kind, name: call.name } : null
  let what: string
  if (elsewhere && asked) {
    what = `the code reached ${describe(asked)} as durable point #${position}, but history recorded it as #${elsewhere.position}`
  } else if (had && asked) {
    what = `history has ${describe(had)} at durable point #${position}, but the code asked for ${describe(asked)}`
  } else if (had) {
    what = `history has ${describe(had)} at durable point #${position}, which the code never reached`
  } else {
    what = `the code asked for ${describe(asked as { kind: StepKind; name: string })} at durable point #${position}`
  }
  return {
    position,
    history: had,
    code: asked,
    message:
      `replay diverged: ${what}. The workflow's code changed under this running execution. ` +
      `Roll the change back, or keep the old path for old executions with ctx.patched('change-id'); ` +
      `the execution is retried and resumes once the code matches its history (zart replay-check shows every such execution).`,
  }
}

/** Whether a value from `History.match` is a divergence. */
export function isDivergence(value: StepRecord | null | Divergence): value is Divergence {
  return value !== null && 'message' in value && 'position' in value && !('key' in value)
}
