import { databaseUnavailable, ZartError } from '../errors.ts'
import type { FencedWrite, Store, WriteOutcome } from '../storage/store.ts'
import { Batcher } from './batcher.ts'

/**
 * Group commit of fenced writes: the steps, waits and finishes of executions running at
 * the same moment go to the database in one transaction. Each caller's promise settles
 * only after that transaction committed, so no workflow moves past a step before its
 * result is durable, yet many steps share one disk flush.
 *
 * One write the database refuses must not fail the others: when a group fails for any
 * reason but an unreachable database, it is committed again in halves down to single
 * writes (see `Batcher`), and the one refused write rejects with STORE_REJECTED. A lock
 * conflict (deadlock, serialization failure) is not the write's fault: it is passed on
 * as it came, like an outage, for the run to be taken up again.
 */
export class GroupCommitter {
  private readonly batcher: Batcher<FencedWrite, WriteOutcome>

  constructor(store: Store) {
    this.batcher = new Batcher(
      async (writes) => {
        try {
          return await store.commit(writes)
        } catch (error) {
          const [only] = writes
          throw writes.length === 1 && only ? storeRejected(only, error, store.dialect) : error
        }
      },
      { isolate: (error) => databaseUnavailable(error) === undefined },
    )
  }

  write(write: FencedWrite): Promise<WriteOutcome> {
    return this.batcher.submit(write)
  }
}

/** Lock conflicts: PostgreSQL serialization failure, deadlock, lock not available; MySQL's. */
const CONFLICT_CODES = new Set(['40001', '40P01', '55P03', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT'])

/**
 * The error of one write committed alone: STORE_REJECTED naming the execution and the step,
 * with the driver's error as `cause`; an outage or a lock conflict as it came.
 */
export function storeRejected(write: FencedWrite, error: unknown, dialect: string): unknown {
  if (databaseUnavailable(error) !== undefined || error instanceof ZartError) return error
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && CONFLICT_CODES.has(code)) return error
  const reason = error instanceof Error ? error.message : String(error)
  const executionId = write.lease.executionId
  const step = writeTarget(write)
  return new ZartError(
    'STORE_REJECTED',
    `the ${dialect} database refused to store ${step.text} of execution "${executionId}": ${reason}. ` +
      'The value cannot be stored as it is (e.g. a character or size the database does not accept): change what the step returns',
    { execution_id: executionId, ...(step.key !== undefined && { step: step.key }), write: write.kind },
    { cause: error },
  )
}

function writeTarget(write: FencedWrite): { text: string; key?: string } {
  switch (write.kind) {
    case 'step':
      return { text: `step "${write.step.key}"`, key: write.step.key }
    case 'wait':
      return { text: `the wait "${write.step.key}" for event "${write.event}"`, key: write.step.key }
    case 'suspend':
      return { text: 'the suspension' }
    case 'finish':
      return { text: `the ${write.status} result` }
    case 'release':
      return { text: 'the hand-back' }
  }
}
