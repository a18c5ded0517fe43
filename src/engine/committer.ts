import type { FencedWrite, Store, WriteOutcome } from '../storage/store.ts'

interface Pending {
  write: FencedWrite
  resolve: (outcome: WriteOutcome) => void
  reject: (error: unknown) => void
}

/**
 * Group commit: fenced writes made by concurrently running executions within one turn
 * of the event loop go to the database in one transaction. Each caller's promise
 * settles only after that transaction committed, so no workflow moves past a step
 * before its result is durable, yet many steps share one disk flush.
 */
export class GroupCommitter {
  private queue: Pending[] = []
  private scheduled = false
  private inFlight: Promise<void> | null = null

  constructor(private readonly store: Store) {}

  write(write: FencedWrite): Promise<WriteOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => void this.flush())
      }
    })
  }

  private async flush(): Promise<void> {
    // One transaction at a time; writes that arrive meanwhile form the next batch.
    if (this.inFlight) await this.inFlight
    this.scheduled = false
    const batch = this.queue
    this.queue = []
    if (batch.length === 0) return
    this.inFlight = this.store.commit(batch.map((p) => p.write)).then(
      (outcomes) => batch.forEach((p, i) => p.resolve(outcomes[i] ?? { ok: false, reason: 'lease_lost' })),
      (error: unknown) => batch.forEach((p) => p.reject(error)),
    )
    await this.inFlight
    this.inFlight = null
  }
}
