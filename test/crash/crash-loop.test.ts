import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createZart } from '../../src/index.ts'
import { tempDir } from '../helpers.ts'
import { deadlyStep } from '../fixtures/workflows/deadly-step.ts'
import { FIXTURE_WORKFLOWS, startWorker } from '../fixtures/zart-process.ts'

describe('a step that kills its worker', () => {
  it('is tried again after each crash, then fails with WORKER_CRASH_LOOP instead of for ever', async () => {
    const dir = tempDir()
    const db = `sqlite:${join(dir, 'zart.db')}`
    const log = join(dir, 'kills.log')
    const zart = await createZart({ db, workflows: [deadlyStep] })
    const { execution_id } = await zart.schedule('deadly-step', { log }, { id: 'deadly-1' })
    const args = ['--db', db, '--workflows', FIXTURE_WORKFLOWS, '--lease', '300ms']
    let workers = 0
    for (; workers < 8; workers++) {
      if ((await zart.status(execution_id)).status === 'failed') break
      const worker = startWorker(args)
      // Each worker either dies in the step (killed by it) or, at the end, fails the execution.
      const ended = await Promise.race([
        worker.exited.then(() => 'died' as const),
        (async () => {
          for (let i = 0; i < 200; i++) {
            if ((await zart.status(execution_id)).status === 'failed') return 'failed' as const
            await new Promise((resolve) => setTimeout(resolve, 50))
          }
          return 'timeout' as const
        })(),
      ])
      if (ended !== 'died') await worker.stop()
      expect(ended, worker.stderr()).not.toBe('timeout')
    }
    const failed = await zart.status(execution_id)
    expect(failed).toMatchObject({
      status: 'failed',
      error: { code: 'WORKER_CRASH_LOOP', takeovers: 5, step: 'fine' },
    })
    // The first claim and four takeovers ran the step; the fifth takeover stopped it.
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(5)
    expect(workers).toBe(6)
    await zart.close()
  })
})
