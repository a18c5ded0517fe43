import { expect, it } from 'vitest'
import { newExecution, T0 } from './fixtures.ts'
import type { ContractHarness } from './harness.ts'

const WF = ['flow']
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'

/** What traces and metrics need of a store: the scheduling call's trace context, and queue depth. */
export function telemetryCases(h: ContractHarness): void {
  it('keeps the trace context an execution was scheduled under, or none', async () => {
    const store = await h.store()
    const [traced] = await (store.createExecutions?.([newExecution('t', { traceParent: TRACEPARENT })]) ??
      Promise.all([store.createExecution(newExecution('t', { traceParent: TRACEPARENT }))]))
    expect(traced?.execution.traceParent).toBe(TRACEPARENT)
    await store.createExecution(newExecution('u'))
    expect((await store.getExecution('t'))?.traceParent).toBe(TRACEPARENT)
    expect((await store.getExecution('u'))?.traceParent).toBeNull()
    const claims = await store.claim({ workerId: 'w1', limit: 5, now: T0, leaseMs: 1000, workflows: WF })
    expect(claims.find((c) => c.execution.id === 't')?.execution.traceParent).toBe(TRACEPARENT)
  })

  it('counts due-but-unclaimed and waiting executions for metrics, in total and per workflow', async () => {
    const store = await h.store()
    expect(await store.queueDepth(T0)).toEqual({ due: 0, oldestDueAt: null, waiting: 0, byWorkflow: [] })
    await store.createExecution(newExecution('due1', { runAt: T0 - 5000 }))
    await store.createExecution(newExecution('due2'))
    await store.createExecution(newExecution('later', { runAt: T0 + 60_000 }))
    await store.createExecution(newExecution('paused'))
    await store.setPaused('paused', true, T0)
    // A second workflow: one due in a queue, one paused, one held, one waiting on an event;
    // a third with nothing due yet, which the breakdown leaves out.
    await store.createExecution(newExecution('o-due', { workflow: 'other', runAt: T0 - 2000, queue: 'q' }))
    await store.createExecution(newExecution('o-paused', { workflow: 'other', runAt: T0 - 9000 }))
    await store.setPaused('o-paused', true, T0)
    await store.createExecution(newExecution('idle-later', { workflow: 'idle', runAt: T0 + 60_000 }))
    // Claimed earlier, under a lease until T0 + 50 s.
    for (const id of ['held', 'waits', 'sleeps']) await store.createExecution(newExecution(id, { runAt: T0 - 20_000 }))
    for (const id of ['o-held', 'o-waits']) {
      await store.createExecution(newExecution(id, { workflow: 'other', runAt: T0 - 20_000 }))
    }
    const claims = await store.claim({
      workerId: 'w1',
      limit: 10,
      now: T0 - 10_000,
      leaseMs: 60_000,
      workflows: [...WF, 'other'],
    })
    expect(claims.map((c) => c.execution.id).sort()).toEqual(['held', 'o-held', 'o-waits', 'sleeps', 'waits'])
    const leases = new Map(claims.map((c) => [c.execution.id, c.execution.leaseToken]))
    const lease = (id: string) => ({ executionId: id, token: leases.get(id) ?? -1 })
    const waitForEvent = (id: string) => ({
      kind: 'suspend' as const,
      lease: lease(id),
      status: 'waiting' as const,
      waits: [{ kind: 'event' as const, key: 'a', event: 'a', until: null }],
      now: T0,
    })
    await store.commit([
      waitForEvent('waits'),
      waitForEvent('o-waits'),
      {
        kind: 'suspend',
        lease: lease('sleeps'),
        status: 'waiting',
        waits: [{ kind: 'sleep', key: 's', until: T0 - 1000 }],
        now: T0,
      },
    ])
    // flow: due1 (since T0 - 5000), due2 and the sleep that ended (due and waiting); not the
    // later one, the paused one, the held lease, nor the event wait. other: the queued one.
    expect(await store.queueDepth(T0)).toEqual({
      due: 4,
      oldestDueAt: T0 - 5000,
      waiting: 3,
      byWorkflow: [
        { workflow: 'flow', due: 3, oldestDueAt: T0 - 5000, waiting: 2 },
        { workflow: 'other', due: 1, oldestDueAt: T0 - 2000, waiting: 1 },
      ],
    })
    // A lease that ran out is due again: its worker is gone.
    const expired = await store.queueDepth(T0 + 50_000)
    expect(expired.due).toBe(6)
    expect(expired.byWorkflow.map((w) => [w.workflow, w.due])).toEqual([
      ['flow', 4],
      ['other', 2],
    ])
  })
}
