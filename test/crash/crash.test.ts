import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createZart, openStore, type Store } from '../../src/index.ts'
import { tempDir } from '../helpers.ts'
import { crashSteps, expectedOutput, parseStepLog } from '../fixtures/workflows/crash-steps.ts'
import { FIXTURE_WORKFLOWS, startWorker } from '../fixtures/zart-process.ts'

const EXECUTIONS = 300
const STEPS = 4
const CONCURRENCY = 8
const KILLS = 8
const LEASE = '1s'

/** A small seeded generator, so a failing run can be repeated with CRASH_SEED. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Which steps are committed as completed, keyed `execution:step`. */
async function completedSteps(store: Store, ids: readonly string[]): Promise<Set<string>> {
  const done = new Set<string>()
  for (const id of ids) {
    for (const step of await store.getSteps(id)) if (step.status === 'completed') done.add(`${id}:${step.key}`)
  }
  return done
}

function runsByStep(log: string): Map<string, number[]> {
  const runs = new Map<string, number[]>()
  for (const run of parseStepLog(existsSync(log) ? readFileSync(log, 'utf8') : '')) {
    const key = `${run.execution}:${run.step}`
    runs.set(key, [...(runs.get(key) ?? []), run.pid])
  }
  return runs
}

describe('crash: a zart worker killed with SIGKILL at random moments', () => {
  it('finishes every execution; completed steps never run again; only steps in flight at a kill run twice', async () => {
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000)
    const next = random(seed)
    const dir = tempDir()
    const db = `sqlite:${join(dir, 'zart.db')}`
    const log = join(dir, 'steps.log')
    const ids = Array.from({ length: EXECUTIONS }, (_, i) => `crash-${String(i).padStart(3, '0')}`)

    const zart = await createZart({ db, workflows: [crashSteps] })
    for (const [i, id] of ids.entries()) await zart.schedule('crash-steps', { n: i, log, steps: STEPS }, { id })
    await zart.close()
    const store = await openStore(db)

    const args = ['--db', db, '--workflows', FIXTURE_WORKFLOWS, '--lease', LEASE, '--concurrency', String(CONCURRENCY)]
    // For each kill: the steps the killed process had started and not committed.
    const inFlightAtKill: Set<string>[] = []
    const completedAtKill: { done: Set<string>; runs: Map<string, number[]> }[] = []
    let leaseLost = 0
    try {
      while (inFlightAtKill.length < KILLS) {
        const worker = startWorker(args)
        await worker.started()
        await sleep(150 + next() * 900)
        await worker.stop('SIGKILL')
        leaseLost += worker.stderr().split('lease lost').length - 1
        const runs = runsByStep(log)
        const done = await completedSteps(store, ids)
        const inFlight = new Set(
          [...runs].filter(([key, pids]) => pids.includes(worker.pid) && !done.has(key)).map(([key]) => key),
        )
        inFlightAtKill.push(inFlight)
        completedAtKill.push({ done, runs })
        if (done.size === EXECUTIONS * STEPS) break
      }

      // The last worker runs to the end and is stopped the polite way.
      const worker = startWorker(args)
      await worker.started()
      for (let waited = 0; waited < 40_000; waited += 100) {
        const pending = await Promise.all(ids.map((id) => store.getExecution(id)))
        if (pending.every((e) => e?.status === 'completed')) break
        await sleep(100)
      }
      const stopped = await worker.stop('SIGTERM')
      expect({ code: stopped.code, signal: stopped.signal }, stopped.stderr.slice(-3000)).toEqual({
        code: 0,
        signal: null,
      })
      leaseLost += worker.stderr().split('lease lost').length - 1

      for (const [i, id] of ids.entries()) {
        const execution = await store.getExecution(id)
        expect(execution?.status, id).toBe('completed')
        expect(JSON.parse(execution?.outputJson ?? 'null'), id).toEqual(expectedOutput(i, STEPS))
      }

      const runs = runsByStep(log)
      // A step that was committed when a worker died never ran again.
      for (const { done, runs: before } of completedAtKill) {
        for (const key of done) expect(runs.get(key)?.length, key).toBe(before.get(key)?.length)
      }
      // Every step ran once, plus once more for each kill that caught it in flight
      // (plus any run a worker gave up after losing its lease while alive: expected 0).
      let extra = 0
      let maxRuns = 0
      for (const id of ids) {
        for (let s = 1; s <= STEPS; s++) {
          const key = `${id}:s${s}`
          const count = runs.get(key)?.length ?? 0
          const caught = inFlightAtKill.filter((set) => set.has(key)).length
          expect(count, key).toBeGreaterThanOrEqual(1)
          if (leaseLost === 0) expect(count - 1, key).toBe(caught)
          else expect(count - 1, key).toBeLessThanOrEqual(caught + leaseLost)
          extra += count - 1
          maxRuns = Math.max(maxRuns, count)
        }
      }
      // Each kill interrupts at most one step per running execution, and a worker runs at
      // most CONCURRENCY executions at once: so at most KILLS × CONCURRENCY extra runs.
      const kills = inFlightAtKill.length
      for (const set of inFlightAtKill) expect(set.size).toBeLessThanOrEqual(CONCURRENCY)
      expect(extra).toBeLessThanOrEqual(kills * CONCURRENCY + leaseLost)
      expect(inFlightAtKill.some((set) => set.size > 0)).toBe(true)
      console.log(
        `crash test (seed ${seed}): ${EXECUTIONS} executions x ${STEPS} steps, ${kills} kills, ` +
          `steps in flight at kills ${inFlightAtKill.map((s) => s.size).join('+')}, extra step runs ${extra} ` +
          `(bound ${kills * CONCURRENCY}), max runs of one step ${maxRuns}, lease-lost warnings ${leaseLost}`,
      )
    } finally {
      await store.close()
    }
  })
})
