/**
 * A worker process for the memory benchmark: the same worker `zart worker` runs, plus an
 * IPC hook that reports memory after a full garbage collection, so retained memory can
 * be told apart from heap V8 keeps reserved after a burst of work. Run with --expose-gc.
 */
import { createZart } from '../src/index.ts'
import { parked, warmUp } from './workflows.ts'

const db = process.argv[2]
if (!db) throw new Error('usage: worker-child.ts DATABASE_URL')
const zart = await createZart({ db, workflows: [parked, warmUp] })
const worker = zart.startWorker()

process.on('message', (message: unknown) => {
  if (message === 'memory') {
    const before = process.memoryUsage()
    ;(globalThis as { gc?: () => void }).gc?.()
    const after = process.memoryUsage()
    process.send?.({
      rss: before.rss,
      heapUsedAfterGc: after.heapUsed,
      rssAfterGc: after.rss,
      active: worker.activeCount,
    })
  }
})
process.on('SIGTERM', () => void zart.close().then(() => process.exit(0)))
