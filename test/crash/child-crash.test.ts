import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createZart } from '../../src/index.ts'
import { tempDir } from '../helpers.ts'
import { parseStepLog } from '../fixtures/workflows/crash-steps.ts'
import { fanChild, fanParent } from '../fixtures/workflows/fan-out.ts'
import { FIXTURE_WORKFLOWS, startWorker } from '../fixtures/zart-process.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('crash: the worker of a parent workflow killed with SIGKILL after it started children', () => {
  it('starts each child exactly once, and the parent completes under another worker', async () => {
    const dir = tempDir()
    const db = `sqlite:${join(dir, 'zart.db')}`
    const log = join(dir, 'steps.log')
    const zart = await createZart({ db, workflows: [fanParent, fanChild] })
    const runs = () => (existsSync(log) ? parseStepLog(readFileSync(log, 'utf8')) : [])
    const args = ['--db', db, '--workflows', FIXTURE_WORKFLOWS, '--lease', '1s']
    const a = startWorker(args)
    await a.started()
    await zart.schedule('fan-parent', { children: 3, log, hold_ms: 60_000 }, { id: 'fan' })
    // The children are started (in the commit that recorded them) before this step runs.
    for (let waited = 0; waited < 20_000 && !runs().some((r) => r.step === 'started'); waited += 20) await sleep(20)
    expect(runs().find((r) => r.step === 'started')?.pid).toBe(a.pid)
    await a.stop('SIGKILL')
    expect((await zart.store.listChildren('fan', 10)).map((c) => c.id)).toEqual([
      'fan/fan-child',
      'fan/fan-child-2',
      'fan/fan-child-3',
    ])

    const b = startWorker(args)
    try {
      await b.started()
      let status = await zart.status('fan')
      for (let waited = 0; waited < 30_000 && status.status !== 'completed'; waited += 100) {
        await sleep(100)
        status = await zart.status('fan')
      }
      expect(status).toMatchObject({ status: 'completed', output: 30 })
      expect(status.children?.map((c) => [c.id, c.status])).toEqual([
        ['fan/fan-child', 'completed'],
        ['fan/fan-child-2', 'completed'],
        ['fan/fan-child-3', 'completed'],
      ])
      // Three children in all: the run that took over found them instead of starting more.
      expect((await zart.list({ workflow: 'fan-child', limit: 100 })).executions).toHaveLength(3)
      // The step after the starts ran again under B (it was in flight at the kill); a child's
      // step ran under B at most once (only if A died before committing it).
      expect(
        runs()
          .filter((r) => r.step === 'started')
          .map((r) => r.pid),
      ).toEqual([a.pid, b.pid])
      for (const child of ['fan/fan-child', 'fan/fan-child-2', 'fan/fan-child-3']) {
        const byB = runs().filter((r) => r.execution === child && r.pid === b.pid)
        expect(byB.length, child).toBeLessThanOrEqual(1)
      }
    } finally {
      await b.stop()
      await zart.close()
    }
  })

  it('under kills at random moments of a fan-out, starts every child once and finishes every parent', async () => {
    const dir = tempDir()
    const db = `sqlite:${join(dir, 'zart.db')}`
    const log = join(dir, 'steps.log')
    const zart = await createZart({ db, workflows: [fanParent, fanChild] })
    const parents = Array.from({ length: 10 }, (_, i) => `many-${i}`)
    for (const id of parents) await zart.schedule('fan-parent', { children: 4, log }, { id })
    const args = ['--db', db, '--workflows', FIXTURE_WORKFLOWS, '--lease', '1s', '--concurrency', '8']
    try {
      for (let kill = 0; kill < 3; kill++) {
        const worker = startWorker(args)
        await worker.started()
        await sleep(100 + Math.random() * 500)
        await worker.stop('SIGKILL')
      }
      const last = startWorker(args)
      await last.started()
      const done = async () =>
        (await Promise.all(parents.map((id) => zart.status(id)))).every((s) => s.status === 'completed')
      for (let waited = 0; waited < 40_000 && !(await done()); waited += 200) await sleep(200)
      await last.stop()
      for (const id of parents) {
        const status = await zart.status(id)
        expect(status, id).toMatchObject({ status: 'completed', output: 60 })
        expect(status.children?.map((c) => c.id)).toEqual(
          ['fan-child', 'fan-child-2', 'fan-child-3', 'fan-child-4'].map((key) => `${id}/${key}`),
        )
      }
      expect((await zart.list({ workflow: 'fan-child', limit: 100 })).executions).toHaveLength(40)
    } finally {
      await zart.close()
    }
  })
})
