import type { FencedWrite, Store, WriteOutcome } from '../storage/store.ts'
import { Batcher } from './batcher.ts'

/**
 * Group commit of fenced writes: the steps, waits and finishes of executions running at
 * the same moment go to the database in one transaction. Each caller's promise settles
 * only after that transaction committed, so no workflow moves past a step before its
 * result is durable, yet many steps share one disk flush.
 */
export class GroupCommitter {
  private readonly batcher: Batcher<FencedWrite, WriteOutcome>

  constructor(store: Store) {
    this.batcher = new Batcher((writes) => store.commit(writes))
  }

  write(write: FencedWrite): Promise<WriteOutcome> {
    return this.batcher.submit(write)
  }
}
