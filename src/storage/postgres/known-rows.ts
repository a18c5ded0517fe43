import type { ExecutionRecord, FencedWrite } from '../store.ts'

/**
 * Rows held running under a lease, as this store's own last commit of each left them,
 * with the server's hash of the row read back in that commit's transaction. A worker's
 * next write to a row it runs usually finds it unchanged: then the commit can be decided
 * from what is known here and sent in one round trip, guarded by the hash (see commit.ts).
 * Bounded: the oldest entries go first; a forgotten row only costs a round trip.
 */
export class KnownRows {
  private readonly rows = new Map<string, { record: ExecutionRecord; hash: string }>()

  constructor(private readonly capacity = 256) {}

  /**
   * The batch's rows and their hashes, when every one is known under the lease the batch
   * writes with; otherwise null (the commit reads them first).
   */
  all(
    writes: readonly FencedWrite[],
  ): { records: Map<string, ExecutionRecord>; hashes: Record<string, string> } | null {
    const records = new Map<string, ExecutionRecord>()
    const hashes: Record<string, string> = {}
    for (const write of writes) {
      const id = write.lease.executionId
      const known = this.rows.get(id)
      if (!known || known.record.status !== 'running' || known.record.leaseToken !== write.lease.token) return null
      records.set(id, known.record)
      hashes[id] = known.hash
    }
    return records.size > 0 ? { records, hashes } : null
  }

  set(id: string, record: ExecutionRecord, hash: string): void {
    this.rows.delete(id)
    this.rows.set(id, { record, hash })
    if (this.rows.size > this.capacity) {
      const oldest = this.rows.keys().next()
      if (!oldest.done) this.rows.delete(oldest.value)
    }
  }

  forget(id: string): void {
    this.rows.delete(id)
  }
}
