interface Pending<I, O> {
  item: I
  resolve: (result: O) => void
  reject: (error: unknown) => void
}

/**
 * Group commit for anything: items submitted within one turn of the event loop are handed
 * to `flush` together, one batch at a time, and each caller's promise settles with its own
 * result only after the whole batch is done. Used for the fenced writes of running
 * executions and for schedule calls, so many share one transaction and one disk flush.
 */
export class Batcher<I, O> {
  private queue: Pending<I, O>[] = []
  private scheduled = false
  private inFlight: Promise<void> | null = null

  /** `flush` must return one result per item, in order. */
  constructor(private readonly flush: (items: I[]) => Promise<O[]>) {}

  submit(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => void this.run())
      }
    })
  }

  private async run(): Promise<void> {
    // One batch at a time; items that arrive meanwhile form the next one.
    if (this.inFlight) await this.inFlight
    this.scheduled = false
    const batch = this.queue
    this.queue = []
    if (batch.length === 0) return
    this.inFlight = this.flush(batch.map((p) => p.item)).then(
      (results) =>
        batch.forEach((p, i) =>
          i < results.length ? p.resolve(results[i] as O) : p.reject(new Error('batch returned too few results')),
        ),
      (error: unknown) => batch.forEach((p) => p.reject(error)),
    )
    await this.inFlight
    this.inFlight = null
  }
}
