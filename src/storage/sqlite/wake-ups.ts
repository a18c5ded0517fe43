import { watch } from 'node:fs'
import { basename, dirname } from 'node:path'

/**
 * Looks after a write, in ms: the operating system reports the write of the `-wal` file
 * before the writer's fsync and commit end, so a look at once would find nothing new.
 * One look when a fast commit is done, one when a slow disk's is.
 */
const LOOKS_MS = [2, 20]

/**
 * Calls `onChange` soon after any process commits to the SQLite database at `path`: in WAL
 * mode every commit writes the `-wal` file, and the operating system reports it (inotify,
 * FSEvents). This is the cross-process wake-up SQLite otherwise lacks. A burst of writes
 * costs at most one call per entry of LOOKS_MS, not one per write. Writes by this process
 * count too (harmless: a look that finds nothing). Returns the function that stops it.
 */
export function watchDatabase(path: string, onChange: () => void): () => void {
  const file = basename(path)
  const pending: (NodeJS.Timeout | undefined)[] = LOOKS_MS.map(() => undefined)
  // The directory, not the file: the -wal file comes and goes with the connections.
  const watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
    if (name !== null && !name.startsWith(file)) return
    LOOKS_MS.forEach((ms, i) => {
      pending[i] ??= setTimeout(() => {
        pending[i] = undefined
        onChange()
      }, ms)
    })
  })
  // A watcher that fails (the folder removed, a file system without notifications) stops
  // quietly: workers still poll.
  watcher.on('error', () => watcher.close())
  return () => {
    pending.forEach((timer) => clearTimeout(timer))
    watcher.close()
  }
}
