import { afterEach, describe, expect, it } from 'vitest'
import { GroupCommitter } from '../../src/engine/committer.ts'
import { ZartError } from '../../src/errors.ts'
import type { Claim, FencedWrite, Store } from '../../src/storage/store.ts'
import { backends, required, skipReason, type Backend } from './backends.ts'

/*
 * One write the database refuses must not fail the group commit it shares with others:
 * the good writes commit, only the bad one's promise rejects, with STORE_REJECTED naming
 * the execution and the step and the driver's error as its cause. Against every real store.
 */

/** A store whose commit refuses, as a transaction rolled back, any batch holding a write `refuse` picks. */
function refusingStore(store: Store, refuse: (write: FencedWrite) => Error | undefined) {
  const batches: number[] = []
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'commit') return Reflect.get(target, property, receiver) as unknown
      return async (writes: FencedWrite[]) => {
        batches.push(writes.length)
        for (const write of writes) {
          const error = refuse(write)
          if (error) throw error
        }
        return target.commit(writes)
      }
    },
  })
  return { store: proxy, batches }
}

const stepWrite = (claim: Claim, key: string, outputJson: string): FencedWrite => ({
  kind: 'step',
  lease: { executionId: claim.execution.id, token: claim.execution.leaseToken },
  now: Date.now(),
  step: {
    key,
    name: key,
    kind: 'step',
    position: null,
    resolvedSeq: null,
    status: 'completed',
    attempts: 1,
    outputJson,
    errorJson: null,
    startedAt: Date.now(),
    finishedAt: Date.now(),
    wakeAt: null,
  },
})

function suite(backend: Backend) {
  const made: Store[] = []
  let failed = false
  afterEach(async (context) => {
    failed = context.task.result?.state === 'fail'
    for (const store of made.splice(0)) {
      await store.close()
      await backend.options.cleanup?.(store, failed)
    }
  })

  /** `n` executions of workflow `w`, claimed by one worker. */
  async function claimed(n: number): Promise<{ store: Store; claims: Claim[] }> {
    const { store } = await backend.fresh()
    made.push(store)
    await store.migrate()
    const now = Date.now()
    for (let i = 1; i <= n; i++) {
      await store.createExecution({
        id: `e-${i}`,
        workflow: 'w',
        inputJson: '{}',
        idempotencyKey: null,
        deadlineAt: null,
        runAt: now,
        now,
        version: null,
      })
    }
    const claims = await store.claim({ workerId: 'worker-1', limit: n, now, leaseMs: 60_000, workflows: ['w'] })
    expect(claims).toHaveLength(n)
    claims.sort((a, b) => a.execution.id.localeCompare(b.execution.id))
    return { store, claims }
  }

  it('commits the good writes of a batch and rejects only the one the database refused', async () => {
    const { store, claims } = await claimed(5)
    const driverError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' })
    const refusing = refusingStore(store, (w) =>
      w.kind === 'step' && w.step.outputJson === '"bad"' ? driverError : undefined,
    )
    const committer = new GroupCommitter(refusing.store)
    const outputs = ['1', '2', '"bad"', '4', '5']
    const settled = await Promise.allSettled(
      claims.map((claim, i) => committer.write(stepWrite(claim, 'fetch', outputs[i]!))),
    )
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
    const error = (settled[2] as PromiseRejectedResult).reason as ZartError
    expect(error).toBeInstanceOf(ZartError)
    expect(error.code).toBe('STORE_REJECTED')
    expect(error.message).toMatch(/refused to store step "fetch" of execution "e-3": invalid byte sequence/)
    expect(error.details).toMatchObject({ execution_id: 'e-3', step: 'fetch' })
    expect(error.cause).toBe(driverError)
    expect(refusing.batches[0]).toBe(5) // one group commit first, split only because it failed
    for (const [i, claim] of claims.entries()) {
      const steps = await store.getSteps(claim.execution.id)
      expect(
        steps.map((s) => s.outputJson),
        claim.execution.id,
      ).toEqual(i === 2 ? [] : [outputs[i]])
    }
  })

  /** A step key the real database itself refuses; SQLite stores any text. */
  const refusedKey = { postgres: 'nul\u0000key', mysql: 'k'.repeat(200), sqlite: null }[backend.name]
  it.runIf(refusedKey !== null)('isolates a value the real database refuses', async () => {
    const { store, claims } = await claimed(3)
    const committer = new GroupCommitter(store)
    const keys = ['fetch', refusedKey!, 'fetch']
    const settled = await Promise.allSettled(claims.map((claim, i) => committer.write(stepWrite(claim, keys[i]!, '1'))))
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    const error = (settled[1] as PromiseRejectedResult).reason as ZartError
    expect(error.code).toBe('STORE_REJECTED')
    expect(error.message).toMatch(/database refused to store step .* of execution "e-2"/)
    expect(error.cause).toBeInstanceOf(Error)
    expect((await store.getSteps('e-1')).map((s) => s.key)).toEqual(['fetch'])
    expect(await store.getSteps('e-2')).toEqual([])
    expect((await store.getSteps('e-3')).map((s) => s.key)).toEqual(['fetch'])
  })

  it('fails the whole batch, without splitting it, when the database is unreachable', async () => {
    const { store, claims } = await claimed(3)
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
    const refusing = refusingStore(store, () => down)
    const committer = new GroupCommitter(refusing.store)
    const settled = await Promise.allSettled(claims.map((claim) => committer.write(stepWrite(claim, 'fetch', '1'))))
    expect(settled.map((s) => (s.status === 'rejected' ? s.reason : s))).toEqual([down, down, down])
    expect(refusing.batches).toEqual([3])
  })

  it('passes a lock conflict on as it came: it is not the value that was refused', async () => {
    const { store, claims } = await claimed(2)
    const deadlock = Object.assign(new Error('Deadlock found when trying to get lock'), { code: 'ER_LOCK_DEADLOCK' })
    const refusing = refusingStore(store, (w) => (w.lease.executionId === 'e-2' ? deadlock : undefined))
    const committer = new GroupCommitter(refusing.store)
    const settled = await Promise.allSettled(claims.map((claim) => committer.write(stepWrite(claim, 'fetch', '1'))))
    expect(settled[0]?.status).toBe('fulfilled')
    expect((settled[1] as PromiseRejectedResult).reason).toBe(deadlock)
  })
}

for (const backend of backends) {
  const reason = skipReason(backend)
  if (reason === null) {
    describe(`group commit with a refused write: ${backend.name}`, () => suite(backend))
  } else if (required.has(backend.name)) {
    describe(`group commit with a refused write: ${backend.name}`, () => {
      it('is required by ZART_TEST_REQUIRE_BACKENDS but cannot run', () => {
        throw new Error(reason)
      })
    })
  } else {
    console.warn(reason)
    describe.skip(`group commit with a refused write: ${backend.name} (${reason})`, () => {
      it('needs its database', () => {})
    })
  }
}
