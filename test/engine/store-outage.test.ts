import { expect, it } from 'vitest'
import { createZart, defineWorkflow } from '../../src/index.ts'
import { flakyStore } from '../fixtures/flaky-store.ts'
import { eachBackend, type TestBackend } from './each-backend.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function runThrough(
  backend: TestBackend,
  outage: (db: ReturnType<typeof flakyStore>) => void,
  leaseMs = 120_000,
) {
  const db = flakyStore(await backend.store())
  const runs: Record<string, number> = {}
  const count = (step: string) => (runs[step] = (runs[step] ?? 0) + 1)
  const threeSteps = defineWorkflow({ name: 'outage' }, async (ctx) => {
    const a = await ctx.step('s1', () => count('s1'))
    const b = await ctx.step('s2', () => {
      // The database goes away while this step runs: its result cannot be committed.
      if (count('s2') === 1) outage(db)
      return 2
    })
    const c = await ctx.step('s3', () => count('s3'))
    return { a, b, c }
  })
  const zart = await createZart({ db: db.store, workflows: [threeSteps] })
  try {
    // By default a lease far longer than the test: waiting for it to expire would time it out.
    zart.startWorker({ leaseMs })
    const { execution_id } = await zart.schedule('outage')
    await sleep(800) // any outage is over
    const done = await zart.wait(execution_id, { timeout: '20s' })
    return { done, runs }
  } finally {
    await zart.close()
  }
}

eachBackend('a database outage while a workflow runs', (backend) => {
  it('never fails the workflow for a commit the database refused once', async () => {
    const { done, runs } = await runThrough(backend, (db) => db.failNextCommits(1))
    expect(done).toMatchObject({ status: 'completed', output: { a: 1, b: 2, c: 1 }, timed_out: false })
    // s1 was committed before the blip and never ran again; s2 was in flight and ran twice.
    expect(runs).toEqual({ s1: 1, s2: 2, s3: 1 })
  })

  it('resumes the run as soon as the database answers again, not when its lease runs out', async () => {
    const { done, runs } = await runThrough(backend, (db) => {
      db.setDown(true)
      setTimeout(() => db.setDown(false), 500)
    })
    expect(done).toMatchObject({ status: 'completed', output: { a: 1, b: 2, c: 1 }, timed_out: false })
    expect(runs).toEqual({ s1: 1, s2: 2, s3: 1 })
  })

  it('drops the late writes of a halted run: only the resumed run records a step that was still running', async () => {
    const db = flakyStore(await backend.store())
    const runs: Record<string, number> = {}
    const count = (step: string) => (runs[step] = (runs[step] ?? 0) + 1)
    const parallel = defineWorkflow({ name: 'parallel' }, async (ctx) => {
      const [fast, slow] = await Promise.all([
        ctx.step('fast', () => {
          if (count('fast') === 1) db.failNextCommits(1) // this result is refused: the run halts
          return 'f'
        }),
        ctx.step('slow', async () => {
          count('slow')
          await sleep(300) // still running when the run halts, and when the run resumes
          return 's'
        }),
      ])
      return { fast, slow }
    })
    const zart = await createZart({ db: db.store, workflows: [parallel] })
    try {
      zart.startWorker({ leaseMs: 120_000 })
      const { execution_id } = await zart.schedule('parallel')
      const done = await zart.wait(execution_id, { timeout: '20s' })
      expect(done).toMatchObject({ status: 'completed', output: { fast: 'f', slow: 's' } })
      expect(runs).toEqual({ fast: 2, slow: 2 })
      const slowWrites = db.committed.filter((w) => w.kind === 'step' && w.step.key === 'slow')
      expect(slowWrites).toHaveLength(1)
    } finally {
      await zart.close()
    }
  })

  it('never fails the workflow for another store error either; the run resumes when its lease expires', async () => {
    const diskFull = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
    const { done, runs } = await runThrough(backend, (db) => db.failNextCommits(1, diskFull), 1_000)
    expect(done).toMatchObject({ status: 'completed', output: { a: 1, b: 2, c: 1 }, timed_out: false })
    expect(runs).toEqual({ s1: 1, s2: 2, s3: 1 })
  })
})
