import mysqlDriver from 'mysql2'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import type { FencedWrite, Lease } from '../../src/storage/store.ts'
import { mysql, postgres, required, skipReason, type Backend } from './backends.ts'
import { claimed, T0 } from './claimed.ts'

/**
 * Counts the round trips to the server while `run` runs: each `query` call of the driver
 * is one (a MySQL multi-statement included).
 */
async function roundTrips<T>(
  backend: 'postgres' | 'mysql',
  run: () => Promise<T>,
): Promise<{ result: T; trips: number }> {
  const owner = (backend === 'postgres' ? pg.Client.prototype : mysqlDriver.Connection.prototype) as unknown as {
    query: (...args: unknown[]) => unknown
  }
  const query = owner.query
  let trips = 0
  owner.query = function (this: unknown, ...args: unknown[]) {
    trips++
    return query.apply(this, args)
  }
  try {
    return { result: await run(), trips }
  } finally {
    owner.query = query
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
 * The server stores commit the steps and finishes of executions they hold in one round
 * trip, decided against the rows their own claims and commits left; when a row is no
 * longer as known, nothing of that trip is written and the usual two round trips decide.
 * (SQLite commits in process: no round trips to save.)
 */
for (const backend of [postgres, mysql] as (Backend & { name: 'postgres' | 'mysql' })[]) {
  const reason = skipReason(backend)
  const suite = reason === null || required.has(backend.name) ? describe : describe.skip
  suite(`${backend.name}: commits of the rows it holds`, () => {
    it('take one round trip, and fall back to lock-read-decide when the row changed', async () => {
      if (reason !== null) throw new Error(reason)
      const { store } = await backend.fresh()
      const trips = <T>(run: () => Promise<T>) => roundTrips(backend.name, run)
      let failed = true
      try {
        await store.migrate()
        const lease = await claimed(store, 'a')
        const first = await trips(() => store.commit([step(lease, 's1', T0 + 1)]))
        expect(first).toEqual({ result: [{ ok: true, kind: 'step' }], trips: 1 })

        // Paused from elsewhere: the one-trip commit refuses, the usual path records the
        // step and hands the execution back.
        await store.setPaused('a', true, T0 + 2)
        const paused = await trips(() => store.commit([step(lease, 's2', T0 + 3)]))
        expect(paused).toEqual({ result: [{ ok: false, reason: 'paused' }], trips: 3 })
        expect((await store.getSteps('a')).map((s) => s.key)).toEqual(['s1', 's2'])
        expect(await store.getExecution('a')).toMatchObject({ status: 'pending', currentStep: 's2', paused: true })

        const b = await claimed(store, 'b')
        const finished = await trips(() =>
          store.commit([
            step(b, 's1', T0 + 4),
            { kind: 'finish', lease: b, status: 'completed', outputJson: '7', errorJson: null, now: T0 + 5 },
          ]),
        )
        expect(finished.trips).toBe(1)
        const [, end] = finished.result
        expect(end?.ok && end.kind === 'finish' && end.execution).toEqual(await store.getExecution('b'))
        expect((await store.getSteps('b')).map((s) => [s.key, s.status])).toEqual([['s1', 'completed']])
        failed = false
      } finally {
        await store.close()
        await backend.options.cleanup?.(store, failed)
      }
    })
  })
}
