import type { Zart } from '../client/zart.ts'
import type { Logger } from '../engine/logger.ts'

/**
 * Automatic retention for long-running processes (`zart serve --retention 30d`): prunes
 * finished executions older than `olderThanMs` now and then every `everyMs` (default one
 * hour). Several processes doing it on one database is harmless: each batch deletes
 * what is still there. Returns a function that stops it.
 */
export function startRetention(zart: Zart, olderThanMs: number, logger: Logger, everyMs = 3_600_000): () => void {
  const run = () => {
    zart.prune({ olderThan: olderThanMs }).catch((error: unknown) => {
      logger.warn('retention prune failed; trying again later', {
        error: error instanceof Error ? error.message : String(error),
      })
    })
  }
  const first = setTimeout(run, 1_000).unref()
  const timer = setInterval(run, everyMs).unref()
  return () => {
    clearTimeout(first)
    clearInterval(timer)
  }
}
