import { expect, it } from 'vitest'
import { childEventName } from '../storage/commit-plan.ts'
import type {
  ChildStart,
  FencedWrite,
  Lease,
  NewExecution,
  ScheduleRecord,
  Store,
  StepRecord,
  WaitEntry,
} from '../storage/store.ts'
import { newExecution, T0 } from './fixtures.ts'
import type { ContractHarness } from './harness.ts'

const WF = ['flow']

function execution(id: string, patch: Partial<NewExecution> = {}): NewExecution {
  return newExecution(id, { inputJson: '{"n":1}', ...patch })
}

function completedStep(key: string, outputJson: string, now: number): StepRecord {
  return {
    key,
    name: key,
    kind: 'step',
    position: null,
    resolvedSeq: null,
    status: 'completed',
    attempts: 1,
    outputJson,
    errorJson: null,
    startedAt: now,
    finishedAt: now,
    wakeAt: null,
  }
}

/** `ctx.waitForEvent(event)` reached (or looked at again) as step `key`. */
function waitWrite(lease: Lease, key: string, event: string, wakeAt: number | null, now: number): FencedWrite {
  const step: StepRecord = {
    key,
    name: event,
    kind: 'wait',
    position: null,
    resolvedSeq: null,
    status: 'waiting',
    attempts: 1,
    outputJson: null,
    errorJson: null,
    startedAt: now,
    finishedAt: null,
    wakeAt,
  }
  return { kind: 'wait', lease, step, event, now }
}

/** The parent's record of a child call `key`, reached and not answered yet. */
function childPoint(key: string, now: number): StepRecord {
  return { ...completedStep(key, 'null', now), kind: 'child', status: 'waiting', outputJson: null, finishedAt: null }
}

/** `ctx.startChild` in parent `lease`, call `key`: the child `<parent>/<key>` of workflow `flow`. */
function childWrite(lease: Lease, key: string, now: number, patch: Partial<ChildStart> = {}): FencedWrite {
  const start: ChildStart = {
    id: `${lease.executionId}/${key}`,
    workflow: 'flow',
    inputJson: '{"n":2}',
    version: null,
    deadlineAt: null,
    parentKey: key,
    detached: false,
    ...patch,
  }
  return { kind: 'child', lease, step: childPoint(key, now), start, now }
}

/** Every branch blocked: suspend on these waits. */
function suspendWrite(
  lease: Lease,
  waits: WaitEntry[],
  now: number,
  status: 'waiting' | 'pending' = 'waiting',
): FencedWrite {
  return { kind: 'suspend', lease, status, waits, now }
}

async function claimOne(store: Store, id: string, now = T0, workerId = 'w1', leaseMs = 30_000) {
  await store.createExecution(execution(id, { now, runAt: now }))
  const [claim] = await store.claim({ workerId, limit: 1, now, leaseMs, workflows: WF })
  if (!claim) throw new Error(`expected to claim ${id}`)
  return { executionId: id, token: claim.execution.leaseToken }
}

/** Behaviours checked through the Store API alone. */
export function storeCases(h: ContractHarness): void {
  it('migrates a fresh database, then finds nothing to do the second time', async () => {
    const store = await h.store(false)
    const first = await store.migrate()
    expect(first.applied.length).toBeGreaterThan(0)
    expect(first.current).toBe(first.applied.at(-1))
    expect(await store.migrate()).toEqual({ applied: [], current: first.current })
  })

  it.skipIf(!h.options.recordUnknownMigration)('refuses a schema newer than the code', async () => {
    const store = await h.store()
    await h.options.recordUnknownMigration?.(store, '9999_from_the_future')
    await expect(store.migrate()).rejects.toMatchObject({ code: 'SCHEMA_TOO_NEW' })
  })

  it('reports every migration pending on a fresh database, and none once migrated, changing nothing', async () => {
    const store = await h.store(false)
    const fresh = await store.migrationStatus()
    expect(fresh).toMatchObject({ current: null, unknown: [] })
    expect(fresh.pending.length).toBeGreaterThan(0)
    expect(await store.migrationStatus()).toEqual(fresh)
    // Asking twice applied nothing: migrate() still finds every migration to apply.
    const migrated = await store.migrate()
    expect(migrated.applied).toEqual(fresh.pending)
    const current = { current: migrated.current, pending: [], unknown: [] }
    expect(await store.migrationStatus()).toEqual(current)
    expect(await store.migrationStatus()).toEqual(current)
    expect(await store.migrate()).toEqual({ applied: [], current: migrated.current })
  })

  it.skipIf(!h.options.recordUnknownMigration)('reports a schema newer than the code without refusing', async () => {
    const store = await h.store()
    expect(await store.migrationStatus()).toMatchObject({ pending: [], unknown: [] })
    await h.options.recordUnknownMigration?.(store, '9999_from_the_future')
    expect(await store.migrationStatus()).toEqual({
      current: '9999_from_the_future',
      pending: [],
      unknown: ['9999_from_the_future'],
    })
  })

  it('creates an execution once per id and per idempotency key', async () => {
    const store = await h.store()
    const created = await store.createExecution(execution('a', { idempotencyKey: 'k1' }))
    expect(created.outcome).toBe('created')
    expect(created.execution).toMatchObject({
      id: 'a',
      status: 'pending',
      attempt: 0,
      dueAt: T0,
      createdAt: T0,
      idempotencyKey: 'k1',
    })
    const byId = await store.createExecution(execution('a', { inputJson: '{"n":2}' }))
    expect(byId).toMatchObject({ outcome: 'existing', matchedBy: 'id', execution: { inputJson: '{"n":1}' } })
    const byKey = await store.createExecution(execution('b', { idempotencyKey: 'k1' }))
    expect(byKey).toMatchObject({ outcome: 'existing', matchedBy: 'idempotency_key', execution: { id: 'a' } })
    expect(await store.getExecution('b')).toBeUndefined()
    expect(await store.getExecution('A')).toBeUndefined()
  })

  it('creates an execution already claimed when asked (or pending, for a store that declines)', async () => {
    const store = await h.store()
    const claim = { workerId: 'w1', leaseMs: 1000 }
    const { execution: created } = await store.createExecution({ ...execution('a'), claim })
    if (created.status === 'pending') return
    expect(created).toMatchObject({
      status: 'running',
      leaseOwner: 'w1',
      leaseToken: 1,
      attempt: 1,
      dueAt: T0 + 1000,
    })
    expect(await store.getExecution('a')).toEqual(created)
    expect(await store.claim({ workerId: 'w2', limit: 5, now: T0 + 999, leaseMs: 1000, workflows: WF })).toEqual([])
    const lease = { executionId: 'a', token: 1 }
    expect(await store.commit([{ kind: 'step', lease, now: T0, step: completedStep('s', '1', T0) }])).toEqual([
      { ok: true, kind: 'step' },
    ])
    const [taken] = await store.claim({ workerId: 'w2', limit: 5, now: T0 + 1000, leaseMs: 1000, workflows: WF })
    expect(taken).toMatchObject({ execution: { attempt: 2, leaseToken: 2 }, steps: [{ key: 's', outputJson: '1' }] })
  })

  it('creates a batch as if one after another, each result in the order asked', async () => {
    const store = await h.store()
    if (!store.createExecutions) return // optional: the client then creates one by one
    await store.createExecution(execution('old'))
    const results = await store.createExecutions([
      execution('z', { idempotencyKey: 'k' }),
      execution('old', { inputJson: '{"n":2}' }),
      execution('b'),
      execution('z', { inputJson: '{"n":3}' }),
      execution('a', { idempotencyKey: 'k' }),
      execution('c', { claim: { workerId: 'w1', leaseMs: 1000 } }),
    ])
    expect(results.map((r) => [r.outcome, r.execution.id, 'matchedBy' in r ? r.matchedBy : null])).toEqual([
      ['created', 'z', null],
      ['existing', 'old', 'id'],
      ['created', 'b', null],
      ['existing', 'z', 'id'],
      ['existing', 'z', 'idempotency_key'],
      ['created', 'c', null],
    ])
    expect(results[1]?.execution.inputJson).toBe('{"n":1}')
    expect(results[3]?.execution.inputJson).toBe('{"n":1}')
    for (const r of results) expect(await store.getExecution(r.execution.id)).toEqual(r.execution)
    expect(await store.getExecution('a')).toBeUndefined()
    expect(['pending', 'running']).toContain(results[5]?.execution.status)
    expect(await store.createExecutions([])).toEqual([])
  })

  it('creates each id once when concurrent batches name the same ids in opposite orders', async () => {
    const store = await h.store()
    const createMany = store.createExecutions?.bind(store)
    if (!createMany) return
    // On PostgreSQL such batches can deadlock; the loser waits out deadlock_timeout (1 s) and retries.
    for (let round = 0; round < 3; round++) {
      const ids = Array.from({ length: 12 }, (_, i) => `r${round}-${i}`)
      const [forward, backward] = await Promise.all([
        createMany(ids.map((id) => execution(id))),
        createMany([...ids].reverse().map((id) => execution(id))),
      ])
      const created = [...(forward ?? []), ...(backward ?? [])].filter((r) => r.outcome === 'created')
      expect(created.map((r) => r.execution.id).sort()).toEqual([...ids].sort())
    }
  })

  it('claims only due executions of known workflows, each by one worker', async () => {
    const store = await h.store()
    for (let i = 0; i < 10; i++) await store.createExecution(execution(`e${i}`))
    await store.createExecution(execution('later', { runAt: T0 + 60_000 }))
    await store.createExecution(execution('other', { workflow: 'other' }))
    const options = { limit: 4, now: T0, leaseMs: 30_000, workflows: WF }
    const batches = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((workerId) => store.claim({ ...options, workerId })))
    const ids = batches.flat().map((c) => c.execution.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `e${i}`).sort())
    for (const claim of batches.flat()) {
      expect(claim.execution).toMatchObject({ status: 'running', attempt: 1, leaseExpiresAt: T0 + 30_000 })
      expect(claim.steps).toEqual([])
    }
    expect(await store.nextDueAt(WF)).toBe(T0 + 30_000)
    expect(await store.nextDueAt(['other'])).toBe(T0)
    expect(await store.nextDueAt(['nothing'])).toBeNull()
  })

  it('lets another worker take over an expired lease; the old token can no longer write', async () => {
    const store = await h.store()
    const old = await claimOne(store, 'a', T0, 'w1', 1000)
    expect(await store.claim({ workerId: 'w2', limit: 5, now: T0 + 999, leaseMs: 1000, workflows: WF })).toEqual([])
    const [taken] = await store.claim({ workerId: 'w2', limit: 5, now: T0 + 1000, leaseMs: 1000, workflows: WF })
    expect(taken?.execution).toMatchObject({ id: 'a', attempt: 2, leaseOwner: 'w2' })
    expect(taken?.execution.leaseToken).not.toBe(old.token)
    const fresh = { executionId: 'a', token: taken?.execution.leaseToken ?? -1 }
    const now = T0 + 1001
    const outcomes = await store.commit([
      { kind: 'step', lease: old, now, step: completedStep('s', '"old"', now) },
      { kind: 'step', lease: fresh, now, step: completedStep('s', '"new"', now) },
    ])
    expect(outcomes).toEqual([
      { ok: false, reason: 'lease_lost' },
      { ok: true, kind: 'step' },
    ])
    expect((await store.getSteps('a')).map((s) => s.outputJson)).toEqual(['"new"'])
  })

  it('fences each write on the row as it is now, whatever changed it since the last write', async () => {
    // A store may remember what its last commit left in a row (PostgreSQL does, to commit
    // in one round trip): every change made by anything else must still be seen.
    const store = await h.store()
    const step = (lease: Lease, key: string, now: number) =>
      store.commit([{ kind: 'step', lease, now, step: completedStep(key, '1', now) }])
    const a = await claimOne(store, 'a', T0, 'w1', 1000)
    await step(a, 's1', T0 + 1)
    await store.heartbeat([a], T0 + 500, 1000)
    expect(await step(a, 's2', T0 + 501)).toEqual([{ ok: true, kind: 'step' }])
    expect(await store.getExecution('a')).toMatchObject({ leaseExpiresAt: T0 + 1500, currentStep: 's2' })
    await store.setPaused('a', true, T0 + 502)
    expect(await step(a, 's3', T0 + 503)).toEqual([{ ok: false, reason: 'paused' }])

    const b = await claimOne(store, 'b', T0, 'w1', 1000)
    await step(b, 's1', T0 + 1)
    await store.cancelExecution('b', T0 + 2, '{"name":"CancelledError"}')
    expect(await step(b, 's2', T0 + 3)).toEqual([{ ok: false, reason: 'lease_lost' }])

    const c = await claimOne(store, 'c', T0, 'w1', 1000)
    await step(c, 's1', T0 + 1)
    await store.claim({ workerId: 'w2', limit: 5, now: T0 + 1000, leaseMs: 1000, workflows: WF })
    expect(await step(c, 's2', T0 + 1001)).toEqual([{ ok: false, reason: 'lease_lost' }])
    expect((await store.getSteps('c')).map((s) => s.key)).toEqual(['s1'])
  })

  it('makes a running execution due again only when its lease expires, even past its deadline', async () => {
    const store = await h.store()
    await store.createExecution(execution('a', { deadlineAt: T0 + 100 }))
    const [claim] = await store.claim({ workerId: 'w1', limit: 1, now: T0, leaseMs: 1000, workflows: WF })
    expect(claim?.execution).toMatchObject({ dueAt: T0 + 1000, deadlineAt: T0 + 100 })
    expect(await store.claim({ workerId: 'w2', limit: 1, now: T0 + 500, leaseMs: 1000, workflows: WF })).toEqual([])
    await store.heartbeat([{ executionId: 'a', token: claim?.execution.leaseToken ?? -1 }], T0 + 600, 1000)
    expect(await store.nextDueAt(WF)).toBe(T0 + 1600)
    const [taken] = await store.claim({ workerId: 'w2', limit: 1, now: T0 + 1600, leaseMs: 1000, workflows: WF })
    expect(taken?.execution).toMatchObject({ attempt: 2, leaseOwner: 'w2' })
  })

  it('renews held leases on heartbeat and reports the lost ones', async () => {
    const store = await h.store()
    const a = await claimOne(store, 'a', T0, 'w1', 1000)
    const b = await claimOne(store, 'b', T0, 'w1', 1000)
    expect(await store.heartbeat([a, b], T0 + 900, 1000)).toEqual([])
    expect(await store.claim({ workerId: 'w2', limit: 5, now: T0 + 1500, leaseMs: 1000, workflows: WF })).toEqual([])
    await store.cancelExecution('b', T0 + 1600, '{"name":"CancelledError"}')
    expect(await store.heartbeat([a, b], T0 + 1700, 1000)).toEqual(['b'])
    const [taken] = await store.claim({ workerId: 'w2', limit: 5, now: T0 + 2700, leaseMs: 1000, workflows: WF })
    expect(taken?.execution.id).toBe('a')
    expect(await store.heartbeat([a], T0 + 2800, 1000)).toEqual(['a'])
  })

  it('applies a batch of mixed writes in one commit, each fenced on its own', async () => {
    const store = await h.store()
    const ids = ['step', 'retry', 'sleep', 'consume', 'suspend', 'timeout', 'finish', 'release', 'cancelled']
    for (const id of ids) await store.createExecution(execution(id))
    await store.deliverEvent({
      executionId: 'consume',
      name: 'go',
      eventId: null,
      payloadJson: '{"first":true}',
      now: T0,
    })
    await store.deliverEvent({
      executionId: 'consume',
      name: 'go',
      eventId: null,
      payloadJson: '{"second":true}',
      now: T0,
    })
    const claims = await store.claim({ workerId: 'w1', limit: 20, now: T0, leaseMs: 30_000, workflows: WF })
    const lease = (id: string) => {
      const claim = claims.find((c) => c.execution.id === id)
      return { executionId: id, token: claim?.execution.leaseToken ?? -1 }
    }
    await store.cancelExecution('cancelled', T0, '{"name":"CancelledError"}')
    const now = T0 + 10
    const writes: FencedWrite[] = [
      { kind: 'step', lease: lease('step'), now, step: completedStep('a', '{"x":1}', now) },
      {
        kind: 'step',
        lease: lease('retry'),
        now,
        step: {
          ...completedStep('a', 'null', now),
          status: 'retrying',
          outputJson: null,
          errorJson: '{"message":"boom"}',
          finishedAt: null,
          wakeAt: now + 5000,
        },
      },
      suspendWrite(lease('retry'), [{ kind: 'retry', key: 'a', until: now + 5000 }], now, 'pending'),
      {
        kind: 'step',
        lease: lease('sleep'),
        now,
        step: {
          ...completedStep('sleep', 'null', now),
          kind: 'sleep',
          status: 'waiting',
          outputJson: null,
          finishedAt: null,
          wakeAt: now + 60_000,
        },
      },
      suspendWrite(lease('sleep'), [{ kind: 'sleep', key: 'sleep', until: now + 60_000 }], now),
      waitWrite(lease('consume'), 'go', 'go', null, now),
      waitWrite(lease('suspend'), 'go', 'go', now + 1000, now),
      suspendWrite(lease('suspend'), [{ kind: 'event', key: 'go', event: 'go', until: now + 1000 }], now),
      waitWrite(lease('timeout'), 'go', 'go', now, now),
      {
        kind: 'finish',
        lease: lease('finish'),
        status: 'completed',
        outputJson: '{"done":true}',
        errorJson: null,
        now,
      },
      {
        kind: 'release',
        lease: lease('release'),
        runAt: now + 2000,
        errorJson: '{"message":"oops"}',
        countRetry: true,
        now,
      },
      { kind: 'step', lease: lease('cancelled'), now, step: completedStep('a', '1', now) },
    ]
    expect(await store.commit(writes)).toMatchObject([
      { ok: true, kind: 'step' },
      { ok: true, kind: 'step' },
      { ok: true, kind: 'suspend', result: 'suspended' },
      { ok: true, kind: 'step' },
      { ok: true, kind: 'suspend', result: 'suspended' },
      { ok: true, kind: 'wait', result: 'consumed', payloadJson: '{"first":true}', finishedAt: now },
      { ok: true, kind: 'wait', result: 'waiting' },
      { ok: true, kind: 'suspend', result: 'suspended' },
      { ok: true, kind: 'wait', result: 'timed_out' },
      { ok: true, kind: 'finish' },
      { ok: true, kind: 'release' },
      { ok: false, reason: 'lease_lost' },
    ])
    const get = async (id: string) => store.getExecution(id)
    expect(await get('step')).toMatchObject({ status: 'running', currentStep: 'a', updatedAt: now })
    expect(await get('retry')).toMatchObject({
      status: 'pending',
      dueAt: now + 5000,
      leaseOwner: null,
      waits: [{ kind: 'retry', key: 'a', until: now + 5000 }],
    })
    expect(await get('sleep')).toMatchObject({
      status: 'waiting',
      waits: [{ kind: 'sleep', key: 'sleep', until: now + 60_000 }],
      waitUntil: now + 60_000,
      dueAt: now + 60_000,
    })
    expect(await get('consume')).toMatchObject({ status: 'running', currentStep: 'go' })
    expect(await get('suspend')).toMatchObject({
      status: 'waiting',
      waits: [{ kind: 'event', key: 'go', event: 'go', until: now + 1000 }],
      waitUntil: now + 1000,
      dueAt: now + 1000,
    })
    expect(await get('timeout')).toMatchObject({ status: 'running' })
    expect(await get('finish')).toMatchObject({ status: 'completed', outputJson: '{"done":true}', dueAt: null })
    expect(await get('release')).toMatchObject({
      status: 'pending',
      dueAt: now + 2000,
      workflowRetries: 1,
      errorJson: '{"message":"oops"}',
    })
    expect(await get('cancelled')).toMatchObject({ status: 'cancelled' })
    expect(await store.getSteps('cancelled')).toEqual([])
    expect(await store.getSteps('step')).toEqual([completedStep('a', '{"x":1}', now)])
    expect(await store.getSteps('retry')).toMatchObject([
      { key: 'a', status: 'retrying', errorJson: '{"message":"boom"}', wakeAt: now + 5000 },
    ])
    expect(await store.getSteps('consume')).toMatchObject([
      { key: 'go', kind: 'wait', status: 'completed', outputJson: '{"first":true}' },
    ])
    expect(await store.getSteps('suspend')).toMatchObject([
      { key: 'go', kind: 'wait', status: 'waiting', wakeAt: now + 1000 },
    ])
    expect(await store.getSteps('timeout')).toMatchObject([{ key: 'go', status: 'failed', finishedAt: now }])
    expect(await store.getSteps('sleep')).toMatchObject([
      { key: 'sleep', kind: 'sleep', status: 'waiting', wakeAt: now + 60_000 },
    ])
  })

  it('suspends on several waits at once, and an event for any of them wakes it', async () => {
    const store = await h.store()
    const lease = await claimOne(store, 'a')
    const waits: WaitEntry[] = [
      { kind: 'event', key: 'approve', event: 'approve', until: null },
      { kind: 'event', key: 'reject', event: 'reject', until: null },
      { kind: 'sleep', key: 'sleep', until: T0 + 60_000 },
    ]
    expect(
      await store.commit([
        waitWrite(lease, 'approve', 'approve', null, T0),
        waitWrite(lease, 'reject', 'reject', null, T0),
        suspendWrite(lease, waits, T0),
      ]),
    ).toMatchObject([{ result: 'waiting' }, { result: 'waiting' }, { result: 'suspended' }])
    expect(await store.getExecution('a')).toMatchObject({ status: 'waiting', waits, dueAt: T0 + 60_000 })
    const other = { executionId: 'a', name: 'other', eventId: null, payloadJson: '1', now: T0 + 1 }
    expect((await store.deliverEvent(other)).outcome).toBe('buffered')
    const woken = await store.deliverEvent({ ...other, name: 'reject', payloadJson: '"no"' })
    expect(woken).toMatchObject({ outcome: 'delivered', execution: { status: 'pending', dueAt: T0 + 1 } })
  })

  it('does not suspend when an awaited event came in meanwhile, and keeps the deadline first', async () => {
    const store = await h.store()
    const lease = await claimOne(store, 'a')
    await store.commit([waitWrite(lease, 'go', 'go', null, T0)])
    await store.deliverEvent({ executionId: 'a', name: 'go', eventId: null, payloadJson: '7', now: T0 + 1 })
    const waits: WaitEntry[] = [{ kind: 'event', key: 'go', event: 'go', until: null }]
    expect(await store.commit([suspendWrite(lease, waits, T0 + 2)])).toEqual([
      { ok: true, kind: 'suspend', result: 'events_ready', events: ['go'] },
    ])
    expect(await store.getExecution('a')).toMatchObject({ status: 'running' })
    expect(await store.commit([waitWrite(lease, 'go', 'go', null, T0 + 3)])).toMatchObject([
      { result: 'consumed', payloadJson: '7' },
    ])
    // A retry (or a whole-run retry) planned after the deadline is due at the deadline.
    await store.createExecution(execution('d', { deadlineAt: T0 + 1000 }))
    const [claim] = await store.claim({ workerId: 'w1', limit: 1, now: T0, leaseMs: 30_000, workflows: WF })
    const d = { executionId: 'd', token: claim?.execution.leaseToken ?? -1 }
    await store.commit([{ kind: 'release', lease: d, runAt: T0 + 5000, errorJson: null, countRetry: true, now: T0 }])
    expect(await store.getExecution('d')).toMatchObject({ status: 'pending', dueAt: T0 + 1000 })
  })

  it('counts takeovers of a lease that ran out, until progress is recorded', async () => {
    const store = await h.store()
    const first = await claimOne(store, 'a', T0, 'w1', 1000)
    expect((await store.getExecution('a'))?.takeovers).toBe(0)
    const [second] = await store.claim({ workerId: 'w2', limit: 1, now: T0 + 2000, leaseMs: 1000, workflows: WF })
    expect(second?.execution).toMatchObject({ takeovers: 1, attempt: 2 })
    const [third] = await store.claim({ workerId: 'w3', limit: 1, now: T0 + 4000, leaseMs: 1000, workflows: WF })
    expect(third?.execution.takeovers).toBe(2)
    expect(first.token).toBeLessThan(third?.execution.leaseToken ?? 0)
    const lease = { executionId: 'a', token: third?.execution.leaseToken ?? -1 }
    await store.commit([{ kind: 'step', lease, now: T0 + 4001, step: completedStep('s', '1', T0 + 4001) }])
    expect((await store.getExecution('a'))?.takeovers).toBe(0)
  })

  it('claims only the pinned versions when asked, and any version otherwise', async () => {
    const store = await h.store()
    await store.createExecution(execution('v1', { version: 'one' }))
    await store.createExecution(execution('v2', { version: 'two' }))
    await store.createExecution(execution('none'))
    const pinned = await store.claim({
      workerId: 'w1',
      limit: 5,
      now: T0,
      leaseMs: 1000,
      workflows: WF,
      versions: ['flow@two'],
    })
    expect(pinned.map((c) => c.execution.id).sort()).toEqual(['none', 'v2'])
    expect(pinned.find((c) => c.execution.id === 'v2')?.execution.version).toBe('two')
    const any = await store.claim({ workerId: 'w2', limit: 5, now: T0, leaseMs: 1000, workflows: WF })
    expect(any.map((c) => c.execution.id)).toEqual(['v1'])
  })

  it('keeps live workers: refreshed by id, listed within their lease period, removed on stop', async () => {
    const store = await h.store()
    const worker = {
      id: 'w-1',
      host: 'box',
      pid: 42,
      scope: 'box/boot/pid',
      workflows: ['flow'],
      leaseMs: 1000,
      startedAt: T0,
      lastSeenAt: T0,
    }
    await store.recordWorker(worker)
    await store.recordWorker({ ...worker, id: 'w-2', workflows: ['other'], lastSeenAt: T0 + 500 })
    await store.recordWorker({ ...worker, lastSeenAt: T0 + 900 })
    expect(await store.listWorkers(T0 + 1000)).toEqual([
      { ...worker, lastSeenAt: T0 + 900 },
      { ...worker, id: 'w-2', workflows: ['other'], lastSeenAt: T0 + 500 },
    ])
    expect((await store.listWorkers(T0 + 1600)).map((w) => w.id)).toEqual(['w-1'])
    await store.removeWorker('w-1')
    expect(await store.listWorkers(T0 + 1600)).toEqual([])
  })

  it("makes a dead worker's running executions due at once, and forgets it", async () => {
    const store = await h.store()
    await claimOne(store, 'a', T0, 'w-dead', 60_000)
    await claimOne(store, 'b', T0, 'w-alive', 60_000)
    const worker = {
      id: 'w-dead',
      host: 'box',
      pid: 42,
      scope: 's',
      workflows: WF,
      leaseMs: 60_000,
      startedAt: T0,
      lastSeenAt: T0,
    }
    await store.recordWorker(worker)
    expect(await store.expireLeasesOf('w-dead', T0 + 10)).toBe(1)
    expect(await store.listWorkers(T0 + 10)).toEqual([])
    const [taken] = await store.claim({ workerId: 'w-new', limit: 5, now: T0 + 10, leaseMs: 1000, workflows: WF })
    expect(taken?.execution).toMatchObject({ id: 'a', leaseOwner: 'w-new', takeovers: 1, attempt: 2 })
    expect(await store.getExecution('b')).toMatchObject({ leaseOwner: 'w-alive', status: 'running' })
  })

  it('keeps cron schedules: created once by name, due when not paused, advanced by one of racing workers', async () => {
    const store = await h.store()
    const schedule: ScheduleRecord = {
      name: 'nightly',
      workflow: 'flow',
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
      inputJson: '{"n":1}',
      overlap: 'skip',
      catchUp: 'latest',
      source: 'api',
      paused: false,
      nextTickAt: T0 + 1000,
      lastTickAt: null,
      lastExecutionId: null,
      createdAt: T0,
      updatedAt: T0,
    }
    expect(await store.createSchedule(schedule)).toEqual({ created: true, schedule })
    const other = { ...schedule, cron: '0 4 * * *', createdAt: T0 + 5 }
    expect(await store.createSchedule(other)).toEqual({ created: false, schedule })
    await store.createSchedule({ ...schedule, name: 'elsewhere', workflow: 'other' })
    expect((await store.listSchedules()).map((s) => s.name)).toEqual(['elsewhere', 'nightly'])
    expect(await store.dueSchedules(T0 + 999, WF, 10)).toEqual([])
    expect(await store.dueSchedules(T0 + 1000, WF, 10)).toEqual([schedule])
    if (store.nextScheduleTick) {
      await store.createSchedule({ ...schedule, name: 'later', nextTickAt: T0 + 500, paused: true })
      expect(await store.nextScheduleTick(WF)).toBe(T0 + 1000)
      expect(await store.nextScheduleTick(['nothing'])).toBeNull()
      await store.deleteSchedule('later')
    }

    const advance = { name: 'nightly', from: T0 + 1000, to: T0 + 2000, lastTickAt: T0 + 1000, now: T0 + 1000 }
    const raced = await Promise.all([
      store.advanceSchedule({ ...advance, lastExecutionId: 'cron:a' }),
      store.advanceSchedule({ ...advance, lastExecutionId: 'cron:b' }),
    ])
    expect(raced.filter(Boolean)).toHaveLength(1)
    const advanced = await store.getSchedule('nightly')
    expect(advanced).toMatchObject({ nextTickAt: T0 + 2000, lastTickAt: T0 + 1000 })
    expect(['cron:a', 'cron:b']).toContain(advanced?.lastExecutionId)
    // An advance that starts nothing keeps the last tick.
    const skipped = { ...advance, from: T0 + 2000, to: T0 + 3000, lastTickAt: null, lastExecutionId: null }
    expect(await store.advanceSchedule(skipped)).toBe(true)
    expect(await store.getSchedule('nightly')).toMatchObject({ nextTickAt: T0 + 3000, lastTickAt: T0 + 1000 })

    expect(await store.setSchedulePaused('nightly', true, T0 + 3000, T0 + 2)).toBe(true)
    expect(await store.dueSchedules(T0 + 5000, WF, 10)).toEqual([])
    expect(await store.advanceSchedule({ ...skipped, from: T0 + 3000, to: T0 + 4000 })).toBe(false)
    await store.replaceSchedule({ ...other, source: 'code', nextTickAt: T0 + 7000, updatedAt: T0 + 3 })
    expect(await store.getSchedule('nightly')).toMatchObject({
      cron: '0 4 * * *',
      source: 'code',
      paused: true,
      nextTickAt: T0 + 7000,
      lastExecutionId: advanced?.lastExecutionId,
      createdAt: T0,
    })
    expect(await store.setSchedulePaused('nope', true, null, T0)).toBe(false)
    expect(await store.deleteSchedule('nightly')).toBe(true)
    expect(await store.deleteSchedule('nightly')).toBe(false)
    expect(await store.getSchedule('nightly')).toBeUndefined()
  })

  it('maps tasks to executions per owner, lists them newest first, and forgets them with their execution', async () => {
    const store = await h.store()
    for (const id of ['e1', 'e2', 'e3']) await store.createExecution(execution(id))
    const task = { id: 't-1', executionId: 'e1', owner: 'alice', ttlMs: null, createdAt: T0 }
    await store.createTask(task)
    await store.createTask({ ...task, id: 't-2', executionId: 'e2', ttlMs: 86_400_000, createdAt: T0 + 1 })
    await store.createTask({ ...task, id: 't-3', executionId: 'e3', createdAt: T0 + 2 })
    await store.createTask({ ...task, id: 't-bob', owner: 'bob' })
    await expect(store.createTask(task)).rejects.toThrow()
    expect(await store.getTask('t-1', 'alice')).toEqual(task)
    expect(await store.getTask('t-2', 'alice')).toMatchObject({ ttlMs: 86_400_000 })
    expect(await store.getTask('t-1', 'bob')).toBeUndefined()
    expect(await store.getTask('nope', 'alice')).toBeUndefined()
    const first = await store.listTasks({ owner: 'alice', limit: 2 })
    expect(first.tasks.map((t) => t.id)).toEqual(['t-3', 't-2'])
    const rest = await store.listTasks({ owner: 'alice', limit: 2, cursor: first.nextCursor ?? '' })
    expect(rest).toEqual({ tasks: [task], nextCursor: null })
    expect((await store.listTasks({ owner: 'bob', limit: 5 })).tasks.map((t) => t.id)).toEqual(['t-bob'])
    await store.cancelExecution('e1', T0, '{}')
    expect(await store.pruneExecutions({ before: T0 + 1, statuses: ['cancelled'], limit: 10 })).toBe(1)
    expect(await store.getTask('t-1', 'alice')).toBeUndefined()
    expect((await store.listTasks({ owner: 'alice', limit: 5 })).tasks.map((t) => t.id)).toEqual(['t-3', 't-2'])
  })

  it('stores where each durable point was reached and in which order its result came', async () => {
    const store = await h.store()
    const lease = await claimOne(store, 'a')
    await store.commit([
      { kind: 'step', lease, now: T0, step: { ...completedStep('b', '2', T0), position: 2, resolvedSeq: 1 } },
      { kind: 'step', lease, now: T0, step: { ...completedStep('a', '1', T0), position: 1, resolvedSeq: 2 } },
      {
        kind: 'step',
        lease,
        now: T0,
        step: { ...completedStep('#patch:x', 'null', T0), name: 'x', kind: 'patch', position: 3 },
      },
    ])
    expect((await store.getSteps('a')).map((s) => [s.key, s.kind, s.position, s.resolvedSeq])).toEqual([
      ['b', 'step', 2, 1],
      ['a', 'step', 1, 2],
      ['#patch:x', 'patch', 3, null],
    ])
  })

  it('answers a finishing commit with the finished row, when it gives one, exactly as stored', async () => {
    const store = await h.store()
    const a = await claimOne(store, 'a')
    const b = await claimOne(store, 'b')
    const outcomes = await store.commit([
      { kind: 'step', lease: a, now: T0 + 1, step: completedStep('s1', '1', T0 + 1) },
      { kind: 'finish', lease: a, status: 'completed', outputJson: '{"x":1}', errorJson: null, now: T0 + 2 },
      { kind: 'finish', lease: b, status: 'failed', outputJson: null, errorJson: '{"message":"no"}', now: T0 + 3 },
      {
        kind: 'finish',
        lease: { executionId: 'b', token: b.token + 1 },
        status: 'completed',
        outputJson: '1',
        errorJson: null,
        now: T0 + 4,
      },
    ])
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, false])
    for (const [i, id] of [
      [1, 'a'],
      [2, 'b'],
    ] as const) {
      const outcome = outcomes[i]
      if (outcome?.ok && outcome.kind === 'finish' && outcome.execution) {
        expect(outcome.execution).toEqual(await store.getExecution(id))
      }
    }
    expect(await store.getExecution('a')).toMatchObject({
      status: 'completed',
      outputJson: '{"x":1}',
      currentStep: 's1',
    })
    // Alone in its commit too (light load: the path that matters for a waiter's latency).
    const c = await claimOne(store, 'c')
    const [alone] = await store.commit([
      { kind: 'finish', lease: c, status: 'completed', outputJson: '2', errorJson: null, now: T0 + 5 },
    ])
    expect(alone).toMatchObject({ ok: true, kind: 'finish' })
    if (alone?.ok && alone.kind === 'finish' && alone.execution) {
      expect(alone.execution).toEqual(await store.getExecution('c'))
      expect(alone.execution).toMatchObject({ status: 'completed', outputJson: '2', updatedAt: T0 + 5 })
    }
  })

  it('applies several writes for one execution in one batch in order', async () => {
    const store = await h.store()
    const a = await claimOne(store, 'a')
    await store.createExecution(execution('b'))
    const [claimB] = await store.claim({ workerId: 'w1', limit: 1, now: T0, leaseMs: 30_000, workflows: WF })
    const b = { executionId: 'b', token: claimB?.execution.leaseToken ?? -1 }
    await store.deliverEvent({ executionId: 'a', name: 'go', eventId: null, payloadJson: '"x"', now: T0 })
    const now = T0 + 1
    expect(
      await store.commit([
        { kind: 'step', lease: b, now, step: completedStep('s', '2', now) },
        waitWrite(a, 'go', 'go', null, now),
        { kind: 'step', lease: a, now, step: completedStep('s', '1', now) },
        waitWrite(a, 'go#2', 'go', null, now),
        suspendWrite(a, [{ kind: 'event', key: 'go#2', event: 'go', until: null }], now),
        { kind: 'step', lease: a, now, step: completedStep('t', '1', now) },
        { kind: 'finish', lease: b, status: 'failed', outputJson: null, errorJson: '{"message":"no"}', now },
      ]),
    ).toMatchObject([
      { ok: true, kind: 'step' },
      { ok: true, kind: 'wait', result: 'consumed', payloadJson: '"x"', finishedAt: now },
      { ok: true, kind: 'step' },
      { ok: true, kind: 'wait', result: 'waiting' },
      { ok: true, kind: 'suspend', result: 'suspended' },
      { ok: false, reason: 'lease_lost' },
      { ok: true, kind: 'finish' },
    ])
    expect((await store.getSteps('a')).map((s) => [s.key, s.status])).toEqual([
      ['go', 'completed'],
      ['s', 'completed'],
      ['go#2', 'waiting'],
    ])
    expect(await store.getExecution('a')).toMatchObject({
      status: 'waiting',
      waits: [{ kind: 'event', event: 'go' }],
      currentStep: 'go#2',
    })
    expect(await store.getExecution('b')).toMatchObject({ status: 'failed', currentStep: 's' })
  })

  it('keeps events for later waits, stores a repeated event id once, and wakes a waiting execution', async () => {
    const store = await h.store()
    const unknown = await store.deliverEvent({
      executionId: 'nope',
      name: 'go',
      eventId: null,
      payloadJson: '1',
      now: T0,
    })
    expect(unknown).toEqual({ outcome: 'not_found' })
    const lease = await claimOne(store, 'a')
    const event = { executionId: 'a', name: 'go', eventId: 'ev-1', payloadJson: '1', now: T0 }
    expect((await store.deliverEvent(event)).outcome).toBe('buffered')
    expect((await store.deliverEvent({ ...event, payloadJson: '2' })).outcome).toBe('duplicate')
    const outcomes = await store.commit([
      waitWrite(lease, 'go', 'go', null, T0),
      waitWrite(lease, 'go#2', 'go', null, T0),
      suspendWrite(lease, [{ kind: 'event', key: 'go#2', event: 'go', until: null }], T0),
    ])
    expect(outcomes).toEqual([
      { ok: true, kind: 'wait', result: 'consumed', payloadJson: '1', finishedAt: T0 },
      { ok: true, kind: 'wait', result: 'waiting' },
      { ok: true, kind: 'suspend', result: 'suspended' },
    ])
    expect(await store.getExecution('a')).toMatchObject({ status: 'waiting', dueAt: null })
    // A repeated id is stored once and wakes nothing, though a wait on its name is open.
    expect((await store.deliverEvent({ ...event, payloadJson: '4' })).outcome).toBe('duplicate')
    expect(await store.getExecution('a')).toMatchObject({ status: 'waiting', dueAt: null })
    expect((await store.deliverEvent({ ...event, name: 'other', eventId: null })).outcome).toBe('buffered')
    const woken = await store.deliverEvent({ ...event, eventId: 'ev-2', payloadJson: '3', now: T0 + 5 })
    expect(woken).toMatchObject({ outcome: 'delivered', execution: { status: 'pending', dueAt: T0 + 5 } })
    const [again] = await store.claim({ workerId: 'w2', limit: 1, now: T0 + 5, leaseMs: 1000, workflows: WF })
    expect(again?.steps.map((s) => [s.key, s.status])).toEqual([
      ['go', 'completed'],
      ['go#2', 'waiting'],
    ])
    await store.commit([
      {
        kind: 'finish',
        lease: { executionId: 'a', token: again?.execution.leaseToken ?? -1 },
        status: 'completed',
        outputJson: '1',
        errorJson: null,
        now: T0 + 6,
      },
    ])
    expect((await store.deliverEvent({ ...event, eventId: null })).outcome).toBe('terminal')
    expect((await store.deliverEvent(event)).outcome).toBe('duplicate')
  })

  it('delivers a batch of events as if one after another, each result in the order asked', async () => {
    const store = await h.store()
    if (!store.deliverEvents) return // optional: the client then delivers one by one
    const lease = await claimOne(store, 'w')
    await store.commit([
      waitWrite(lease, 'go', 'go', null, T0),
      suspendWrite(lease, [{ kind: 'event', key: 'go', event: 'go', until: null }], T0),
    ])
    await store.createExecution(execution('done'))
    const [claimed] = await store.claim({ workerId: 'w1', limit: 1, now: T0, leaseMs: 1000, workflows: WF })
    const done = { executionId: 'done', token: claimed?.execution.leaseToken ?? -1 }
    await store.commit([
      { kind: 'finish', lease: done, status: 'completed', outputJson: '1', errorJson: null, now: T0 },
    ])
    await store.createExecution(execution('p'))
    const event = (executionId: string, name: string, eventId: string | null, payloadJson: string) => ({
      executionId,
      name,
      eventId,
      payloadJson,
      now: T0 + 1,
    })
    const results = await store.deliverEvents([
      event('p', 'go', 'e1', '1'),
      event('w', 'go', null, '2'),
      event('nope', 'go', null, '3'),
      event('w', 'go', null, '4'),
      event('p', 'go', 'e1', '5'),
      event('done', 'go', null, '6'),
    ])
    expect(results.map((r) => [r.outcome, 'execution' in r ? r.execution.id : null])).toEqual([
      ['buffered', 'p'],
      ['delivered', 'w'],
      ['not_found', null],
      ['buffered', 'w'],
      ['duplicate', 'p'],
      ['terminal', 'done'],
    ])
    expect(results[1]).toMatchObject({ execution: { status: 'pending', dueAt: T0 + 1 } })
    // The woken execution finds both events, the first one first.
    const claims = await store.claim({ workerId: 'w2', limit: 5, now: T0 + 1, leaseMs: 1000, workflows: WF })
    const token = claims.find((c) => c.execution.id === 'w')?.execution.leaseToken ?? -1
    expect(
      await store.commit([
        waitWrite({ executionId: 'w', token }, 'go', 'go', null, T0 + 1),
        waitWrite({ executionId: 'w', token }, 'go#2', 'go', null, T0 + 1),
      ]),
    ).toMatchObject([{ payloadJson: '2' }, { payloadJson: '4' }])
    expect(await store.deliverEvents([])).toEqual([])
  })

  it('cancels an unfinished execution once; terminal ones stay as they are', async () => {
    const store = await h.store()
    await store.createExecution(execution('a'))
    expect(await store.cancelExecution('nope', T0, '{}')).toEqual({ outcome: 'not_found' })
    const cancelled = await store.cancelExecution('a', T0 + 1, '{"name":"CancelledError"}')
    expect(cancelled).toMatchObject({
      outcome: 'cancelled',
      execution: { status: 'cancelled', dueAt: null, errorJson: '{"name":"CancelledError"}' },
    })
    expect(await store.cancelExecution('a', T0 + 2, '{}')).toMatchObject({
      outcome: 'terminal',
      execution: { updatedAt: T0 + 1 },
    })
    expect(await store.claim({ workerId: 'w1', limit: 5, now: T0 + 10, leaseMs: 1000, workflows: WF })).toEqual([])
  })

  it("starts a child in its parent's commit, once; the child's end reaches the parent's inbox and wakes it", async () => {
    const store = await h.store()
    const parent = await claimOne(store, 'p')
    expect(await store.commit([childWrite(parent, 'c', T0)])).toEqual([{ ok: true, kind: 'child', result: 'started' }])
    expect(await store.commit([childWrite(parent, 'c', T0)])).toEqual([{ ok: true, kind: 'child', result: 'existing' }])
    await store.createExecution(execution('p/taken'))
    expect(await store.commit([childWrite(parent, 'taken', T0)])).toMatchObject([
      { ok: true, kind: 'child', result: 'conflict', existing: { id: 'p/taken', parentId: null } },
    ])
    expect((await store.getSteps('p')).map((s) => [s.key, s.kind, s.status])).toEqual([['c', 'child', 'waiting']])
    const child = await store.getExecution('p/c')
    expect(child).toMatchObject({ status: 'pending', parentId: 'p', parentKey: 'c', detached: false, dueAt: T0 })
    expect(child?.inputJson).toBe('{"n":2}')
    expect((await store.listChildren('p', 10)).map((e) => e.id)).toEqual(['p/c'])
    const waits: WaitEntry[] = [{ kind: 'child', key: 'c', child: 'p/c', until: null }]
    expect(await store.commit([suspendWrite(parent, waits, T0)])).toMatchObject([{ result: 'suspended' }])
    // The child runs and finishes; its commit wakes the parent.
    const [claimed] = await store.claim({ workerId: 'w2', limit: 5, now: T0 + 1, leaseMs: 30_000, workflows: WF })
    expect(claimed?.execution.id).toBe('p/c')
    const childLease = { executionId: 'p/c', token: claimed?.execution.leaseToken ?? -1 }
    const finish: FencedWrite = {
      kind: 'finish',
      lease: childLease,
      status: 'completed',
      outputJson: '{"four":4}',
      errorJson: null,
      now: T0 + 2,
      parentId: 'p',
    }
    expect(await store.commit([finish])).toMatchObject([{ ok: true, kind: 'finish' }])
    expect(await store.getExecution('p')).toMatchObject({ status: 'pending', dueAt: T0 + 2 })
    const again = await claimOne(store, 'p', T0 + 3)
    const wait = waitWrite(again, 'c', childEventName('c'), null, T0 + 3)
    const [outcome] = await store.commit([{ ...wait, step: { ...childPoint('c', T0), resolvedSeq: 1 } } as FencedWrite])
    expect(outcome).toMatchObject({ result: 'consumed' })
    expect(JSON.parse((outcome as { payloadJson: string }).payloadJson)).toEqual({
      id: 'p/c',
      workflow: 'flow',
      status: 'completed',
      output: { four: 4 },
    })
  })

  it("hands a child's end to a wait of its parent committed in the same batch", async () => {
    const store = await h.store()
    const parent = await claimOne(store, 'p')
    await store.commit([childWrite(parent, 'c', T0)])
    const [claimed] = await store.claim({ workerId: 'w2', limit: 1, now: T0 + 1, leaseMs: 30_000, workflows: WF })
    const child = { executionId: 'p/c', token: claimed?.execution.leaseToken ?? -1 }
    const wait = waitWrite(parent, 'c', childEventName('c'), null, T0 + 2)
    const look: FencedWrite = { ...wait, step: { ...childPoint('c', T0), resolvedSeq: 1 } } as FencedWrite
    const outcomes = await store.commit([
      {
        kind: 'finish',
        lease: child,
        status: 'failed',
        outputJson: null,
        errorJson: '{"message":"no"}',
        now: T0 + 2,
        parentId: 'p',
      },
      look,
    ])
    expect(outcomes[1]).toMatchObject({ ok: true, kind: 'wait', result: 'consumed' })
    expect(JSON.parse((outcomes[1] as { payloadJson: string }).payloadJson)).toMatchObject({
      status: 'failed',
      error: { message: 'no' },
    })
    // A child that did not complete leaves a failed point, which a retry of the parent awaits anew.
    expect((await store.getSteps('p'))[0]).toMatchObject({
      key: 'c',
      status: 'failed',
      resolvedSeq: 1,
      errorJson: '{"message":"no"}',
    })
    // Taken once: the end is not in the inbox any more.
    expect(
      await store.commit([suspendWrite(parent, [{ kind: 'child', key: 'c', child: 'p/c', until: null }], T0 + 3)]),
    ).toMatchObject([{ result: 'suspended' }])
  })

  it('cancels a parent with its unfinished children down the tree, not detached ones; a child cancelled alone tells its parent', async () => {
    const store = await h.store()
    const parent = await claimOne(store, 'p')
    await store.commit([
      childWrite(parent, 'a', T0),
      childWrite(parent, 'kept', T0, { detached: true }),
      childWrite(parent, 'told', T0),
    ])
    const [a] = await store.claim({ workerId: 'w2', limit: 1, now: T0 + 1, leaseMs: 30_000, workflows: WF })
    expect(a?.execution.id).toBe('p/a')
    await store.commit([childWrite({ executionId: 'p/a', token: a?.execution.leaseToken ?? -1 }, 'deep', T0 + 1)])
    const waits: WaitEntry[] = [{ kind: 'child', key: 'told', child: 'p/told', until: null }]
    await store.commit([suspendWrite(parent, waits, T0 + 1)])
    // Cancelling one child: the parent waiting on it gets its end and is due at once.
    const alone = await store.cancelExecution('p/told', T0 + 2, '{"name":"CancelledError"}')
    expect(alone).toMatchObject({ outcome: 'cancelled', cascaded: [], execution: { status: 'cancelled' } })
    expect(await store.getExecution('p')).toMatchObject({ status: 'pending', dueAt: T0 + 2 })
    const cancelled = await store.cancelExecution('p', T0 + 3, '{"name":"CancelledError"}')
    expect(cancelled).toMatchObject({ outcome: 'cancelled', execution: { id: 'p', status: 'cancelled' } })
    expect(cancelled.outcome === 'cancelled' && [...cancelled.cascaded].sort()).toEqual(['p/a', 'p/a/deep'])
    expect(await store.getExecution('p/a')).toMatchObject({ status: 'cancelled', leaseOwner: null, dueAt: null })
    expect(await store.getExecution('p/a/deep')).toMatchObject({ status: 'cancelled' })
    expect(await store.getExecution('p/kept')).toMatchObject({ status: 'pending', detached: true })
  })

  it("a parent's finish cancels its unfinished children down the tree in the same commit, not detached ones", async () => {
    const store = await h.store()
    const parent = await claimOne(store, 'p')
    await store.commit([
      childWrite(parent, 'a', T0),
      childWrite(parent, 'kept', T0, { detached: true }),
      childWrite(parent, 'done', T0),
    ])
    const claims = await store.claim({ workerId: 'w2', limit: 5, now: T0 + 1, leaseMs: 30_000, workflows: WF })
    const lease = (id: string) => ({
      executionId: id,
      token: claims.find((c) => c.execution.id === id)?.execution.leaseToken ?? -1,
    })
    await store.commit([
      childWrite(lease('p/a'), 'deep', T0 + 1),
      {
        kind: 'finish',
        lease: lease('p/done'),
        status: 'completed',
        outputJson: '1',
        errorJson: null,
        now: T0 + 1,
        parentId: 'p',
      },
    ])
    const finish: FencedWrite = {
      kind: 'finish',
      lease: parent,
      status: 'failed',
      outputJson: null,
      errorJson: '{"message":"no"}',
      now: T0 + 2,
    }
    // The running child's write after its parent's finish, in the same batch, finds it cancelled.
    const outcomes = await store.commit([
      finish,
      { kind: 'step', lease: lease('p/a'), step: completedStep('s', '1', T0 + 2), now: T0 + 2 },
    ])
    expect(outcomes).toMatchObject([
      { ok: true, kind: 'finish' },
      { ok: false, reason: 'lease_lost' },
    ])
    for (const id of ['p/a', 'p/a/deep']) {
      const child = await store.getExecution(id)
      expect(child).toMatchObject({ status: 'cancelled', leaseOwner: null, dueAt: null, updatedAt: T0 + 2 })
      expect(JSON.parse(child?.errorJson ?? '{}')).toMatchObject({ code: 'PARENT_CLOSED', parent: 'p' })
    }
    expect(await store.getExecution('p/kept')).toMatchObject({ status: 'running', detached: true })
    expect(await store.getExecution('p/done')).toMatchObject({ status: 'completed', updatedAt: T0 + 1 })
    expect(await store.getExecution('p')).toMatchObject({ status: 'failed', dueAt: null })
    expect(await store.getSteps('p/a')).toEqual([expect.objectContaining({ key: 'deep' })])
  })

  it('lists newest first, filtered, in pages joined by a cursor', async () => {
    const store = await h.store()
    for (let i = 0; i < 7; i++)
      await store.createExecution(execution(`e${i}`, { workflow: i % 2 === 0 ? 'even' : 'odd' }))
    await store.cancelExecution('e2', T0, '{}')
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = await store.listExecutions({ limit: 3, cursor })
      expect(page.executions.length).toBeLessThanOrEqual(3)
      seen.push(...page.executions.map((e) => e.id))
      cursor = page.nextCursor ?? undefined
    } while (cursor !== undefined)
    expect(seen).toEqual(['e6', 'e5', 'e4', 'e3', 'e2', 'e1', 'e0'])
    const even = await store.listExecutions({ workflow: 'even', limit: 10 })
    expect(even.executions.map((e) => e.id)).toEqual(['e6', 'e4', 'e2', 'e0'])
    expect(even.nextCursor).toBeNull()
    const cancelled = await store.listExecutions({ status: 'cancelled', limit: 10 })
    expect(cancelled.executions.map((e) => e.id)).toEqual(['e2'])
    const both = await store.listExecutions({ status: 'pending', workflow: 'even', limit: 1 })
    expect(both.executions.map((e) => e.id)).toEqual(['e6'])
    const next = await store.listExecutions({
      status: 'pending',
      workflow: 'even',
      limit: 5,
      cursor: both.nextCursor ?? '',
    })
    expect(next.executions.map((e) => e.id)).toEqual(['e4', 'e0'])
    await expect(store.listExecutions({ limit: 3, cursor: 'not-a-cursor' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    })
  })

  it('prunes old terminal executions with their steps and events, in batches, never live ones', async () => {
    const store = await h.store()
    for (const id of ['done-1', 'done-2', 'done-3', 'new']) await store.createExecution(execution(id))
    await store.createExecution(execution('live', { runAt: T0 + 3_600_000 }))
    const claims = await store.claim({ workerId: 'w1', limit: 10, now: T0, leaseMs: 1000, workflows: WF })
    expect(claims).toHaveLength(4)
    for (const { execution: row } of claims) {
      const lease = { executionId: row.id, token: row.leaseToken }
      const now = row.id === 'new' ? T0 + 500 : T0 + 10
      await store.commit([
        { kind: 'step', lease, step: completedStep('s', '1', now), now },
        { kind: 'finish', lease, status: 'completed', outputJson: '1', errorJson: null, now },
      ])
    }
    await store.deliverEvent({ executionId: 'live', name: 'go', eventId: null, payloadJson: '{}', now: T0 })
    expect(await store.pruneExecutions({ before: T0 + 100, statuses: ['failed'], limit: 10 })).toBe(0)
    // A live status in the filter is ignored, never pruned; batches stop at the limit.
    const filter = { before: T0 + 100, statuses: ['completed', 'pending'] as const, limit: 2 }
    expect(await store.pruneExecutions(filter)).toBe(2)
    expect(await store.pruneExecutions(filter)).toBe(1)
    expect(await store.pruneExecutions(filter)).toBe(0)
    const left = (await store.listExecutions({ limit: 10 })).executions.map((e) => `${e.id}:${e.status}`)
    expect(left).toEqual(['live:pending', 'new:completed'])
    expect(await store.getSteps('done-1')).toEqual([])
    // The id is free again, and nothing of the old execution remains.
    expect((await store.createExecution(execution('done-1'))).outcome).toBe('created')
    expect(await store.getSteps('done-1')).toEqual([])
  })

  it('claims the same when told that work is due (expectDue), queued rows included', async () => {
    const store = await h.store()
    await store.setQueue({ name: 'q', concurrency: 1, keyConcurrency: null, rateLimit: null, ratePeriodMs: null }, T0)
    const woken = { workerId: 'w1', limit: 5, now: T0, leaseMs: 1000, workflows: WF, expectDue: true }
    await store.createExecution(execution('q1', { queue: 'q' }))
    await store.createExecution(execution('q2', { queue: 'q' }))
    expect((await store.claim(woken)).map((c) => c.execution.id)).toEqual(['q1'])
    await store.createExecution(execution('plain'))
    expect((await store.claim(woken)).map((c) => c.execution.id)).toEqual(['plain'])
    expect(await store.claim(woken)).toEqual([]) // q2 waits for the queue's one slot
    expect(await store.claim({ ...woken, expectDue: false })).toEqual([])
  })

  it('stores queues and claims queued executions within their limits, concurrently, by priority', async () => {
    const store = await h.store()
    const queue = { name: 'q', concurrency: 3, keyConcurrency: 1, rateLimit: null, ratePeriodMs: null }
    await store.setQueue(queue, T0)
    expect(await store.listQueues()).toEqual([queue])
    const keys = ['a', 'a', 'b', 'b', 'c', 'd']
    for (const [i, key] of keys.entries()) {
      await store.createExecution(execution(`q${i}`, { queue: 'q', concurrencyKey: key, priority: i === 5 ? 9 : 0 }))
    }
    await store.createExecution(execution('plain'))
    expect(await store.nextDueAt(WF)).toBe(T0) // only `plain`: queued rows are found by polling
    const options = { limit: 10, now: T0, leaseMs: 30_000, workflows: WF }
    const batches = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((workerId) => store.claim({ ...options, workerId })))
    const claimed = batches.flat().map((c) => c.execution)
    const queued = claimed.filter((e) => e.queue === 'q')
    expect(claimed.filter((e) => e.queue === null).map((e) => e.id)).toEqual(['plain'])
    expect(queued).toHaveLength(3) // the queue's limit, across concurrent claimers
    expect(new Set(queued.map((e) => e.concurrencyKey)).size).toBe(3) // one per key
    expect(queued.map((e) => e.id)).toContain('q5') // priority 9 goes first
    const standing = await store.queueStanding('q1', T0)
    expect(standing).toMatchObject({ definition: queue, running: 3 })
    expect(await store.queueStanding('plain', T0)).toBeUndefined()
    // A finished one frees its slot (and its key) for the next claim.
    const done = queued.find((e) => e.concurrencyKey === 'a') ?? queued[0]!
    const lease = { executionId: done.id, token: done.leaseToken }
    await store.commit([{ kind: 'finish', lease, status: 'completed', outputJson: '1', errorJson: null, now: T0 }])
    const next = await store.claim({ ...options, workerId: 'w5' })
    expect(next.map((c) => c.execution.concurrencyKey)).toEqual(['a'])
  })

  it('returns the pending execution holding a dedupe key, until it is claimed or its window ends', async () => {
    const store = await h.store()
    const dedupe = { key: 'k', until: T0 + 60_000 }
    const first = await store.createExecution(execution('d1', { dedupe }))
    expect(first).toMatchObject({ outcome: 'created', execution: { dedupeKey: 'k' } })
    const again = await store.createExecution(execution('d2', { dedupe }))
    expect(again).toMatchObject({ outcome: 'existing', matchedBy: 'dedupe', execution: { id: 'd1' } })
    expect((await store.createExecution(execution('d3', { workflow: 'other', dedupe }))).outcome).toBe('created')
    const late = { key: 'k', until: T0 + 120_000 }
    const afterWindow = await store.createExecution(execution('d4', { dedupe: late, now: T0 + 60_000 }))
    expect(afterWindow).toMatchObject({ outcome: 'created', execution: { id: 'd4' } })
    await store.claim({ workerId: 'w1', limit: 10, now: T0 + 60_000, leaseMs: 30_000, workflows: WF })
    expect((await store.getExecution('d4'))?.dedupeKey).toBeNull()
    const afterStart = await store.createExecution(execution('d5', { dedupe: late, now: T0 + 60_000 }))
    expect(afterStart.outcome).toBe('created')
  })

  it('keeps JSON text verbatim, including unicode', async () => {
    const store = await h.store()
    const inputJson = '{"text":"héllo \u{1F680} \\u0000 \\"quoted\\"","big":12345678901234567890}'
    await store.createExecution(execution('a', { inputJson }))
    expect((await store.getExecution('a'))?.inputJson).toBe(inputJson)
  })
}
