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
 *
 * A batch that fails is one transaction rolled back, so nothing of it applied. When
 * `isolate` says the error may belong to one item only (a value the database refuses, not
 * a database that is down), the batch is split in halves and each half flushed again, in
 * order, down to single items: the good items go in, and only the bad one's promise
 * rejects, with the error its own flush raised.
 */
export class Batcher<I, O> {
  private queue: Pending<I, O>[] = []
  private scheduled = false
  private inFlight: Promise<void> | null = null

  private readonly flush: (items: I[]) => Promise<O[]>
  private readonly options: { isolate?: (error: unknown) => boolean }

  /** `flush` must return one result per item, in order, or apply nothing and throw. */
  constructor(flush: (items: I[]) => Promise<O[]>, options: { isolate?: (error: unknown) => boolean } = {}) {
    this.flush = flush
    this.options = options
  }

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
    this.inFlight = this.settle(batch)
    await this.inFlight
    this.inFlight = null
  }

  /** Flushes `batch` and settles its promises; splits it when `isolate` allows. */
  private async settle(batch: Pending<I, O>[]): Promise<void> {
    let results: O[]
    try {
      results = await this.flush(batch.map((p) => p.item))
    } catch (error) {
      if (batch.length > 1 && this.options.isolate?.(error)) {
        const half = Math.ceil(batch.length / 2)
        await this.settle(batch.slice(0, half))
        await this.settle(batch.slice(half))
      } else {
        batch.forEach((p) => p.reject(error))
      }
      return
    }
    batch.forEach((p, i) =>
      i < results.length ? p.resolve(results[i] as O) : p.reject(new Error('batch returned too few results')),
    )
  }
}
