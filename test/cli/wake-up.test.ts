import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createZart } from '../../src/index.ts'
import { crashSteps } from '../fixtures/workflows/crash-steps.ts'
import { FIXTURE_WORKFLOWS, startWorker } from '../fixtures/zart-process.ts'
import { tempDir } from '../helpers.ts'

describe('a worker in another process on the same SQLite file', () => {
  it('is woken by a schedule at once, not at its next poll', async () => {
    const dir = tempDir()
    const db = `sqlite:${join(dir, 'zart.db')}`
    const client = await createZart({ db, workflows: [crashSteps] })
    // A poll far longer than the wait below: only the file change notification can wake it.
    const worker = startWorker(['--db', db, '--workflows', FIXTURE_WORKFLOWS, '--poll', '60s'])
    try {
      await worker.started()
      await new Promise((resolve) => setTimeout(resolve, 500)) // past its first, empty claim
      const { execution_id } = await client.schedule('crash-steps', { n: 1, log: join(dir, 'steps.log'), steps: 2 })
      const done = await client.wait(execution_id, { timeout: '20s' })
      expect(done).toMatchObject({ status: 'completed', timed_out: false })
    } finally {
      await worker.stop('SIGTERM')
      await client.close()
    }
  })
})
