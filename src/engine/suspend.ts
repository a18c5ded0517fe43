/**
 * Why a run stopped before its workflow returned: it suspended (every branch waiting for an
 * event, a timer or a retry delay), or the worker lost the right to go on (lease lost,
 * cancelled, timed out, shutting down, or the store failed), or its code no longer
 * matched the execution's history (diverged), or it was paused.
 */
export type HaltReason =
  'waiting' | 'lease_lost' | 'cancelled' | 'timed_out' | 'shutdown' | 'store_error' | 'diverged' | 'paused'

/**
 * Internal control flow: thrown through the workflow body to unwind it when the run
 * halts. The executor recognises it; it never reaches a caller. A workflow that catches
 * it by mistake changes nothing, because the halt is recorded before it is thrown.
 */
export class Suspend extends Error {
  override readonly name = 'Suspend'
  constructor() {
    super('zart: execution suspended (internal signal; do not catch)')
  }
}
