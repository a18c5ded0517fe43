import pg from 'pg'
import { describe, expect, it } from 'vitest'
import type { FencedWrite, Lease } from '../../src/storage/store.ts'
import { postgres, required, skipReason } from './backends.ts'
import { claimed, T0 } from './claimed.ts'

const reason = skipReason(postgres)
const suite = reason === null || required.has('postgres') ? describe : describe.skip

/** Counts the statements sent to the server while `run` runs (each `query` call is one round trip). */
async function roundTrips<T>(run: () => Promise<T>): Promise<{ result: T; trips: number }> {
  const query = pg.Client.prototype.query
  let trips = 0
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    trips++
    return (query as (...a: unknown[]) => unknown).apply(this, args)
  } as typeof query
  try {
    return { result: await run(), trips }
  } finally {
    pg.Client.prototype.query = query
  }
}

function step(lease: Lease, key: string, now: number): FencedWrite {
  const record = {
    key,
    name: key,
    kind: 'step' as const,
    position: null,
    resolvedSeq: null,
    status: 'completed' as const,
  }
  return {
    kind: 'step',
    lease,
    now,
    step: { ...record, attempts: 1, outputJson: '1', errorJson: null, startedAt: now, finishedAt: now, wakeAt: null },
  }
}

/**
 * PostgreSQL commits the steps and finishes of executions it holds in one round trip,
 * decided against the rows its own claim and commits left; when a row is no longer as it
 * knew it, nothing of that call is written and the usual two round trips decide.
 */
suite('PostgreSQL commits of the rows it holds', () => {
  it('take one round trip, and fall back to lock-read-decide when the row changed', async () => {
    if (reason !== null) throw new Error(reason)
    const { store } = await postgres.fresh()
    let failed = true
    try {
      await store.migrate()
      const lease = await claimed(store, 'a')
      const first = await roundTrips(() => store.commit([step(lease, 's1', T0 + 1)]))
      expect(first).toEqual({ result: [{ ok: true, kind: 'step' }], trips: 1 })

      // Paused from elsewhere: the one-call commit refuses, the usual path records the
      // step and hands the execution back.
      await store.setPaused('a', true, T0 + 2)
      const paused = await roundTrips(() => store.commit([step(lease, 's2', T0 + 3)]))
      expect(paused).toEqual({ result: [{ ok: false, reason: 'paused' }], trips: 3 })
      expect((await store.getSteps('a')).map((s) => s.key)).toEqual(['s1', 's2'])
      expect(await store.getExecution('a')).toMatchObject({ status: 'pending', currentStep: 's2', paused: true })

      const b = await claimed(store, 'b')
      const finished = await roundTrips(() =>
        store.commit([
          step(b, 's1', T0 + 4),
          { kind: 'finish', lease: b, status: 'completed', outputJson: '7', errorJson: null, now: T0 + 5 },
        ]),
      )
      expect(finished.trips).toBe(1)
      const [, end] = finished.result
      expect(end?.ok && end.kind === 'finish' && end.execution).toEqual(await store.getExecution('b'))
      failed = false
    } finally {
      await store.close()
      await postgres.options.cleanup?.(store, failed)
    }
  })
})
