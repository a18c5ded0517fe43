import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createZart, openStore } from '../../src/index.ts'
import { tempDir } from '../helpers.ts'
import { crashSteps, expectedOutput, parseStepLog } from '../fixtures/workflows/crash-steps.ts'
import { FIXTURE_WORKFLOWS, startWorker } from '../fixtures/zart-process.ts'

const EXECUTIONS = 60
const STEPS = 3
const LEASE_MS = 1000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('lease takeover between two worker processes on one SQLite file', () => {
  it('finishes the work of a killed worker once its leases expire', async () => {
    const dir = tempDir()
    const db = `sqlite:${join(dir, 'zart.db')}`
    const log = join(dir, 'steps.log')
    const ids = Array.from({ length: EXECUTIONS }, (_, i) => `lease-${i}`)
    const zart = await createZart({ db, workflows: [crashSteps] })
    for (const [i, id] of ids.entries())
      await zart.schedule('crash-steps', { n: i, log, steps: STEPS, step_ms: 80 }, { id })
    await zart.close()
    const store = await openStore(db)
    // No line yet until a worker runs its first step.
    const runs = () => parseStepLog(existsSync(log) ? readFileSync(log, 'utf8') : '')

    const args = ['--db', db, '--workflows', FIXTURE_WORKFLOWS, '--lease', `${LEASE_MS}ms`, '--concurrency', '5']
    const a = startWorker(args)
    const b = startWorker(args)
    try {
      await Promise.all([a.started(), b.started()])
      // Kill A mid-run: once it has started a few steps, it holds executions under lease.
      for (let waited = 0; waited < 20_000 && runs().filter((r) => r.pid === a.pid).length < 6; waited += 20)
        await sleep(20)
      const killedAt = Date.now()
      await a.stop('SIGKILL')

      const held = new Map<string, { attempt: number; leaseExpiresAt: number | null }>()
      for (const id of ids) {
        const execution = await store.getExecution(id)
        if (
          execution?.status === 'running' &&
          execution.leaseOwner !== null &&
          runs().some((r) => r.execution === id && r.pid === a.pid)
        ) {
          held.set(id, { attempt: execution.attempt, leaseExpiresAt: execution.leaseExpiresAt })
        }
      }
      expect(held.size).toBeGreaterThan(0)

      for (let waited = 0; waited < 30_000; waited += 100) {
        const all = await Promise.all(ids.map((id) => store.getExecution(id)))
        if (all.every((e) => e?.status === 'completed')) break
        await sleep(100)
      }
      for (const [i, id] of ids.entries()) {
        const execution = await store.getExecution(id)
        expect(execution?.status, id).toBe('completed')
        expect(JSON.parse(execution?.outputJson ?? 'null'), id).toEqual(expectedOutput(i, STEPS))
      }

      // What A held, B finished: as a new attempt, and not before A's lease had run out.
      const all = runs()
      let firstTakeover = Infinity
      for (const [id, before] of held) {
        const execution = await store.getExecution(id)
        expect(execution?.attempt, id).toBeGreaterThan(before.attempt)
        const byB = all.filter((r) => r.execution === id && r.pid === b.pid && r.at >= killedAt)
        expect(byB.length, id).toBeGreaterThan(0)
        firstTakeover = Math.min(firstTakeover, ...byB.map((r) => r.at))
        expect(Math.min(...byB.map((r) => r.at)), id).toBeGreaterThanOrEqual(before.leaseExpiresAt ?? 0)
      }

      const stopped = await b.stop('SIGTERM')
      expect(stopped.code).toBe(0)
      console.log(
        `lease takeover: A killed holding ${held.size} executions; B resumed them ${firstTakeover - killedAt} ms after the kill ` +
          `(lease ${LEASE_MS} ms); steps run by A ${all.filter((r) => r.pid === a.pid).length}, by B ${all.filter((r) => r.pid === b.pid).length}`,
      )
    } finally {
      await a.stop('SIGKILL')
      await b.stop('SIGKILL')
      await store.close()
    }
  })
})
