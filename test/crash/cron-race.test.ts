/**
 * Cron ticks fired by several real `zart worker` processes on one database: each tick
 * starts one execution, whose step runs once, whichever worker gets there first.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createZart } from '../../src/index.ts'
import { tempDir } from '../helpers.ts'
import { crashSteps, parseStepLog } from '../fixtures/workflows/crash-steps.ts'
import { FIXTURE_WORKFLOWS, startWorker } from '../fixtures/zart-process.ts'
import { backends, required, skipReason, type Backend } from '../storage/backends.ts'

const WORKERS = 3
const TICKS = 3
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function race(backend: Backend): Promise<void> {
  const { store, url } = await backend.fresh()
  let failed = true
  const log = join(tempDir(), 'steps.log')
  writeFileSync(log, '')
  const zart = await createZart({ db: store, workflows: [crashSteps] })
  const workers = Array.from({ length: WORKERS }, () =>
    startWorker(['--db', url, '--workflows', FIXTURE_WORKFLOWS, '--concurrency', '4']),
  )
  try {
    await Promise.all(workers.map((w) => w.started()))
    // Every second; catch-up all, so a late poll on a busy machine leaves no gap.
    await zart.addSchedule({
      name: 'race',
      workflow: 'crash-steps',
      cron: '* * * * * *',
      data: { n: 1, log, steps: 1, step_ms: 0 },
      overlap: 'allow',
      catchUp: 'all',
    })
    const ticks = async () => (await zart.list({ limit: 100 })).executions.filter((e) => e.id.startsWith('cron:race:'))
    for (let waited = 0; waited < 30_000 && (await ticks()).length < TICKS; waited += 100) await sleep(100)
    await zart.pauseSchedule('race')
    for (let waited = 0; waited < 10_000; waited += 100) {
      if ((await ticks()).every((e) => e.status === 'completed')) break
      await sleep(100)
    }
    const started = (await ticks()).map((e) => e.id).sort()
    expect(started.length).toBeGreaterThanOrEqual(TICKS)
    // Consecutive seconds, none missing between the first and the last.
    const times = started.map((id) => Date.parse(id.slice('cron:race:'.length)))
    for (const [i, at] of times.entries()) if (i > 0) expect(at - (times[i - 1] ?? 0)).toBe(1000)
    for (const execution of (await ticks()).filter((e) => started.includes(e.id)))
      expect(execution, execution.id).toMatchObject({ status: 'completed', attempt: 1 })
    const runs = parseStepLog(readFileSync(log, 'utf8'))
    expect(runs.map((r) => r.execution).sort()).toEqual(started)
    const pids = new Set(runs.map((r) => r.pid))
    console.log(`cron race on ${backend.name}: ${started.length} ticks, run by ${pids.size} of ${WORKERS} workers`)
    for (const worker of workers) expect(worker.stderr()).not.toMatch(/could not fire/)
    failed = false
  } finally {
    await Promise.all(workers.map((w) => w.stop()))
    await zart.close()
    await store.close()
    await backend.options.cleanup?.(store, failed)
  }
}

for (const backend of backends) {
  const reason = skipReason(backend)
  describe(`cron ticks across worker processes: ${backend.name}`, () => {
    if (reason !== null) {
      if (required.has(backend.name))
        it('is required by ZART_TEST_REQUIRE_BACKENDS but cannot run', () => {
          throw new Error(reason)
        })
      else it.skip(`needs its database: ${reason}`, () => {})
      return
    }
    it(`${WORKERS} workers start one execution per tick, each step run once`, () => race(backend), 60_000)
  })
}
