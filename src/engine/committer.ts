import { databaseUnavailable, ZartError } from '../errors.ts'
import type { FencedWrite, Store, WriteOutcome } from '../storage/store.ts'
import { Batcher } from './batcher.ts'
import type { EngineMetrics } from './telemetry.ts'

/**
 * Group commit of fenced writes: the steps, waits and finishes of executions running at
 * the same moment go to the database in one transaction. Each caller's promise settles
 * only after that transaction committed, so no workflow moves past a step before its
 * result is durable, yet many steps share one disk flush.
 *
 * One write the database refuses must not fail the others: when a group fails for any
 * reason but an unreachable database, it is committed again in halves down to single
 * writes (see `Batcher`), and the one refused write rejects with STORE_REJECTED when the
 * database refused its value. Any other error (a lock conflict, a full disk) is not the
 * write's fault: it is passed on as it came, like an outage, for the run to be taken up again.
 */
export class GroupCommitter {
  private readonly batcher: Batcher<FencedWrite, WriteOutcome>

  constructor(store: Store, metrics?: EngineMetrics) {
    this.batcher = new Batcher(
      async (writes) => {
        metrics?.commitGroup(writes.length)
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

/**
 * Errors that say the value itself cannot be stored: PostgreSQL's data exceptions and
 * integrity violations (SQLSTATE classes 22 and 23), MySQL's too-long or wrong values,
 * SQLite's too-big values and constraint failures. Anything else (a full disk, a lock
 * conflict, a bug) is the database's trouble, not the write's: it is passed on as it
 * came, and the run is taken up again later.
 */
function refusesValue(code: unknown): boolean {
  if (typeof code !== 'string') return false
  return (
    /^2[23][0-9A-Z]{3}$/.test(code) ||
    /^SQLITE_(TOOBIG|MISMATCH|CONSTRAINT)/.test(code) ||
    [
      'ER_DATA_TOO_LONG',
      'ER_TRUNCATED_WRONG_VALUE',
      'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD',
      'ER_WARN_DATA_OUT_OF_RANGE',
      'ER_INVALID_CHARACTER_STRING',
      'ER_INVALID_JSON_TEXT',
    ].includes(code)
  )
}

/**
 * The error of one write committed alone: STORE_REJECTED naming the execution and the step,
 * with the driver's error as `cause`; an outage or a lock conflict as it came.
 */
export function storeRejected(write: FencedWrite, error: unknown, dialect: string): unknown {
  if (databaseUnavailable(error) !== undefined || error instanceof ZartError) return error
  if (!refusesValue((error as { code?: unknown } | null)?.code)) return error
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
    case 'child':
      return { text: `the start of child "${write.start.id}"`, key: write.step.key }
    case 'progress':
      return { text: 'the progress' }
    case 'finish':
      return { text: `the ${write.status} result` }
    case 'release':
      return { text: 'the hand-back' }
  }
}
