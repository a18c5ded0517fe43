import type { WriteOutcome } from './store.ts'

/**
 * The subscribers a store has in this process (see `Store.subscribe`), told directly of
 * what the store itself makes due: a store whose cross-process channel leaves out its own
 * changes (SQLite's file watch, filtered; MySQL's wake-ups) still keeps the contract that
 * any process's change is told, this one's included.
 */
export class LocalWakeUps {
  private readonly subscribers = new Set<() => void>()
  private scheduled = false

  /** Adds `onDue`; the function returned removes it. */
  add(onDue: () => void): () => void {
    this.subscribers.add(onDue)
    return () => this.subscribers.delete(onDue)
  }

  /** Tells every subscriber once, after the current call has returned. */
  notify(): void {
    if (this.subscribers.size === 0 || this.scheduled) return
    this.scheduled = true
    queueMicrotask(() => {
      this.scheduled = false
      for (const onDue of this.subscribers) onDue()
    })
  }
}

/** Whether a group commit handed an execution back to be claimed (a release, or a pause taking effect). */
export function handedBack(outcomes: readonly WriteOutcome[]): boolean {
  return outcomes.some((o) => (o.ok && o.kind === 'release') || (!o.ok && o.reason === 'paused'))
}
