import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createZart } from '../../src/index.ts'
import { tempDir } from '../helpers.ts'
import { crashSteps, expectedOutput, parseStepLog } from '../fixtures/workflows/crash-steps.ts'
import { FIXTURE_WORKFLOWS, startWorker } from '../fixtures/zart-process.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('a worker that dies on the same machine', () => {
  it('has its executions taken over by a neighbour at once, not after its 30 s lease', async () => {
    const dir = tempDir()
    const db = `sqlite:${join(dir, 'zart.db')}`
    const log = join(dir, 'steps.log')
    const zart = await createZart({ db, workflows: [crashSteps] })
    const args = ['--db', db, '--workflows', FIXTURE_WORKFLOWS] // the default lease: 30 s
    const a = startWorker(args)
    await a.started()
    await zart.schedule('crash-steps', { n: 1, log, steps: 3, step_ms: 400 }, { id: 'local-1' })
    const runs = () => (existsSync(log) ? parseStepLog(readFileSync(log, 'utf8')) : [])
    for (let waited = 0; waited < 20_000; waited += 20) {
      if (runs().some((r) => r.pid === a.pid)) break
      await sleep(20)
    }
    // B starts, then A dies in the middle of a step, holding a lease good for 30 s more.
    const b = startWorker(args)
    await b.started()
    await a.stop('SIGKILL')
    const held = await zart.store.getExecution('local-1')
    expect(held).toMatchObject({ status: 'running' })
    const leaseEnd = held?.leaseExpiresAt ?? 0
    try {
      let status = await zart.status('local-1')
      while (status.status !== 'completed' && Date.now() < leaseEnd + 5_000) {
        await sleep(100)
        status = await zart.status('local-1')
      }
      expect(status).toMatchObject({ status: 'completed', output: expectedOutput(1, 3) })
      // Finished by B while A's lease had not run out yet: B did not wait for it.
      expect(Date.parse(status.updated_at)).toBeLessThan(leaseEnd)
      expect(runs().filter((r) => r.pid === b.pid).length).toBeGreaterThan(0)
      expect(b.stderr()).toMatch(/a worker on this machine died; taking over its executions now/)
    } finally {
      await b.stop()
      await zart.close()
    }
  })
})
