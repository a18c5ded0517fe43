import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createZart } from '../../src/index.ts'
import type { Store } from '../../src/storage/store.ts'
import { tempDir } from '../helpers.ts'
import { crashSteps, expectedOutput, parseStepLog } from '../fixtures/workflows/crash-steps.ts'
import { FIXTURE_WORKFLOWS, startWorker, type BackgroundWorker } from '../fixtures/zart-process.ts'
import { mysql, postgres, required, skipReason, type Backend } from './backends.ts'

const EXECUTIONS = 500
const STEPS = 4
const WORKERS = 4
const CONCURRENCY = 16
const LEASE = '2s'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Counts executions by status with list pages (the Store API has no count). */
async function statuses(store: Store): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  let cursor: string | undefined
  do {
    const page = await store.listExecutions({ limit: 100, cursor })
    for (const e of page.executions) counts.set(e.status, (counts.get(e.status) ?? 0) + 1)
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  return counts
}

/** Polls until the number of completed executions satisfies `done`. */
async function until(store: Store, done: (completed: number) => boolean, timeoutMs: number): Promise<void> {
  const giveUp = Date.now() + timeoutMs
  for (;;) {
    const counts = await statuses(store)
    if (done(counts.get('completed') ?? 0)) return
    if (Date.now() > giveUp) throw new Error(`gave up waiting; executions by status: ${JSON.stringify([...counts])}`)
    await sleep(20)
  }
}

async function completedSteps(store: Store, ids: readonly string[]): Promise<Set<string>> {
  const done = new Set<string>()
  await Promise.all(
    ids.map(async (id) => {
      for (const step of await store.getSteps(id)) if (step.status === 'completed') done.add(`${id}:${step.key}`)
    }),
  )
  return done
}

function stepRuns(log: string): Map<string, number[]> {
  const runs = new Map<string, number[]>()
  for (const run of parseStepLog(existsSync(log) ? readFileSync(log, 'utf8') : '')) {
    const key = `${run.execution}:${run.step}`
    runs.set(key, [...(runs.get(key) ?? []), run.pid])
  }
  return runs
}

function multiProcess(backend: Backend): void {
  it(`${WORKERS} worker processes share ${EXECUTIONS} executions; one is SIGKILLed midway`, async () => {
    const { store, url } = await backend.fresh()
    const log = join(tempDir(), 'steps.log')
    const ids = Array.from({ length: EXECUTIONS }, (_, i) => `mp-${String(i).padStart(3, '0')}`)
    const workers: BackgroundWorker[] = []
    try {
      const zart = await createZart({ db: store, workflows: [crashSteps] })
      for (const [i, id] of ids.entries())
        await zart.schedule('crash-steps', { n: i, log, steps: STEPS, step_ms: 20 }, { id })
      await zart.close()

      const args = [
        '--db',
        url,
        '--workflows',
        FIXTURE_WORKFLOWS,
        '--lease',
        LEASE,
        '--concurrency',
        String(CONCURRENCY),
      ]
      for (let i = 0; i < WORKERS; i++) workers.push(startWorker(args))
      await Promise.all(workers.map((w) => w.started()))
      const started = Date.now()

      // Kill one worker once about a third of the work is done.
      await until(store, (completed) => completed >= EXECUTIONS / 3, 60_000)
      // The victim is the worker busiest right now, so the kill catches steps in flight.
      const recent = parseStepLog(readFileSync(log, 'utf8')).slice(-50)
      const busiest = (w: BackgroundWorker) => recent.filter((r) => r.pid === w.pid).length
      const victim = workers.reduce((a, b) => (busiest(b) > busiest(a) ? b : a))
      await victim.stop('SIGKILL')
      const killedAfter = Date.now() - started
      const doneAtKill = await completedSteps(store, ids)
      const runsAtKill = stepRuns(log)
      const inFlight = [...runsAtKill]
        .filter(([key, pids]) => pids.includes(victim.pid) && !doneAtKill.has(key))
        .map(([key]) => key)

      await until(store, (completed) => completed === EXECUTIONS, 90_000)
      const elapsed = Date.now() - started
      for (const worker of workers.filter((w) => w !== victim)) expect((await worker.stop('SIGTERM')).code).toBe(0)

      for (const [i, id] of ids.entries()) {
        const execution = await store.getExecution(id)
        expect(execution?.status, id).toBe('completed')
        expect(JSON.parse(execution?.outputJson ?? 'null'), id).toEqual(expectedOutput(i, STEPS))
      }
      const runs = stepRuns(log)
      // A step committed before the kill never ran again; the others ran once, plus once
      // more at most when the killed worker had started it and not committed it.
      for (const key of doneAtKill) expect(runs.get(key)?.length, key).toBe(runsAtKill.get(key)?.length)
      const caught = new Set(inFlight)
      let reruns = 0
      for (const id of ids) {
        for (let s = 1; s <= STEPS; s++) {
          const key = `${id}:s${s}`
          const count = runs.get(key)?.length ?? 0
          expect(count, key).toBeGreaterThanOrEqual(1)
          expect(count, key).toBeLessThanOrEqual(caught.has(key) ? 2 : 1)
          reruns += count - 1
        }
      }
      expect(inFlight.length).toBeLessThanOrEqual(CONCURRENCY)

      // The work was spread: every worker ran steps, the survivors a fair share each.
      const ordered = [victim, ...workers.filter((w) => w !== victim)]
      const perWorker = ordered.map((w) => [...runs.values()].flat().filter((pid) => pid === w.pid).length)
      for (const count of perWorker) expect(count).toBeGreaterThan(0)
      const total = perWorker.reduce((a, b) => a + b, 0)
      console.log(
        `${backend.name} multi-process: ${EXECUTIONS} executions x ${STEPS} steps in ${elapsed} ms over ${WORKERS} workers (one SIGKILLed after ${killedAfter} ms); ` +
          `step runs per worker ${perWorker.join(' / ')} (killed one first, ${perWorker.map((c) => `${Math.round((100 * c) / total)}%`).join(' / ')}); ` +
          `${inFlight.length} steps in flight at the kill, ${reruns} re-run`,
      )
    } finally {
      await Promise.all(workers.map((w) => w.stop('SIGKILL')))
      await store.close()
      await backend.options.cleanup?.(store, false)
    }
  }, 180_000)
}

for (const backend of [postgres, mysql]) {
  const reason = skipReason(backend)
  describe(`multi-process: ${backend.name}`, () => {
    if (reason === null) multiProcess(backend)
    else if (required.has(backend.name))
      it('is required by ZART_TEST_REQUIRE_BACKENDS but cannot run', () => {
        throw new Error(reason)
      })
    else it.skip(`needs its database: ${reason}`, () => {})
  })
}
