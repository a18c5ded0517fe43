/**
 * Hands results to a workflow one at a time, in a recorded order, with a full turn of the
 * event loop between two of them. Replayed results come back in the order they first
 * came (their `resolvedSeq`), and new ones in the order their commits were sent, so code
 * that runs between two results (`Promise.race`, `ctx.now()`, the next calls) sees the
 * same thing on every replay, whatever the timing of the parallel branches.
 */
export class Sequencer {
  /** Outstanding sequence numbers, ascending; each waits for its result to be ready. */
  private readonly order: number[] = []
  private readonly ready = new Map<number, () => void>()
  private scheduled = false

  /** @param onIdle called after each delivery, when nothing more is ready to go */
  private readonly onIdle: () => void

  constructor(onIdle: () => void) {
    this.onIdle = onIdle
  }

  /** A result will come for `seq`: nothing after it is handed back before it. */
  expect(seq: number): void {
    let i = this.order.length
    while (i > 0 && (this.order[i - 1] as number) > seq) i--
    this.order.splice(i, 0, seq)
  }

  /** The result of `seq` is known: `deliver` hands it to the workflow when its turn comes. */
  resolve(seq: number, deliver: () => void): void {
    this.ready.set(seq, deliver)
    this.pump()
  }

  /** No result will come for `seq` after all (a wait that found nothing): skip it. */
  drop(seq: number): void {
    const i = this.order.indexOf(seq)
    if (i >= 0) this.order.splice(i, 1)
    this.ready.delete(seq)
    this.pump()
  }

  /** Whether a result is ready and about to be handed back. */
  get busy(): boolean {
    return this.scheduled
  }

  /** The first outstanding sequence number whose result is not ready (a replay waits for its call). */
  get blockedOn(): number | undefined {
    const head = this.order[0]
    return head !== undefined && !this.ready.has(head) ? head : undefined
  }

  private pump(): void {
    if (this.scheduled) return
    const head = this.order[0]
    if (head === undefined || !this.ready.has(head)) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      const deliver = this.ready.get(head)
      this.ready.delete(head)
      const i = this.order.indexOf(head)
      if (i >= 0) this.order.splice(i, 1)
      deliver?.()
      this.pump()
      if (!this.scheduled) this.onIdle()
    })
  }
}
