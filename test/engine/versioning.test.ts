import { expect, it } from 'vitest'
import { createZart, defineWorkflow, type WorkflowContext, type WorkflowDefinition } from '../../src/index.ts'
import type { Store } from '../../src/storage/store.ts'
import { FakeClock } from '../helpers.ts'
import { eachBackend, type TestBackend } from './each-backend.ts'

type Body = (ctx: WorkflowContext, runs: string[]) => Promise<unknown>

/** The same workflow name deployed with different code, as a deploy would do. */
function deploy(body: Body, runs: string[], version?: string): WorkflowDefinition {
  return defineWorkflow({ name: 'order', ...(version !== undefined && { version }) }, (ctx) => body(ctx, runs))
}

const step = (ctx: WorkflowContext, runs: string[], name: string) => ctx.step(name, () => (runs.push(name), name))

/** Starts an execution under `before`, lets it reach its wait, then resumes it under `after`. */
async function redeploy(backend: TestBackend, before: Body, after: Body) {
  const clock = new FakeClock()
  const runs: string[] = []
  const store = await backend.store()
  const v1 = await createZart({ db: store, workflows: [deploy(before, runs)], clock })
  const { execution_id } = await v1.schedule('order')
  await v1.drain()
  expect((await v1.status(execution_id)).status).toBe('waiting')
  await v1.close()
  const reopened: Store = await backend.reopen(store)
  const v2 = await createZart({ db: reopened, workflows: [deploy(after, runs)], clock })
  await v2.deliverEvent(execution_id, 'go', {})
  await v2.drain()
  return { v2, execution_id, runs, clock, reopened }
}

eachBackend('code changed under a running execution', (backend) => {
  it('stops a renamed step before it runs, hands the execution back, and resumes after a rollback', async () => {
    const v1: Body = async (ctx, runs) => {
      await step(ctx, runs, 'charge')
      await ctx.waitForEvent('go')
      return step(ctx, runs, 'ship')
    }
    const v2: Body = async (ctx, runs) => {
      await step(ctx, runs, 'pay')
      await ctx.waitForEvent('go')
      return step(ctx, runs, 'ship')
    }
    const { v2: zart, execution_id, runs, clock, reopened } = await redeploy(backend, v1, v2)
    const stopped = await zart.status(execution_id)
    expect(stopped).toMatchObject({
      status: 'pending',
      error: {
        code: 'REPLAY_DIVERGED',
        position: 1,
        history: { kind: 'step', name: 'charge' },
        code_asked: { kind: 'step', name: 'pay' },
      },
    })
    expect((stopped.error as { message: string }).message).toMatch(
      /history has step "charge" at durable point #1, but the code asked for step "pay".*ctx\.patched/,
    )
    expect(runs).toEqual(['charge'])
    await zart.close()

    // Rolled back: the old code matches the history again and the execution finishes.
    const rolledBack = await createZart({
      db: await backend.reopen(reopened),
      workflows: [deploy(v1, runs)],
      clock,
    })
    clock.advance('30s')
    await rolledBack.drain()
    expect(await rolledBack.status(execution_id)).toMatchObject({ status: 'completed', output: 'ship' })
    expect(runs).toEqual(['charge', 'ship'])
    await rolledBack.close()
  })

  it('stops when a step became a wait of the same name, instead of handing the step result to the wait', async () => {
    const v1: Body = async (ctx, runs) => {
      await step(ctx, runs, 'approval')
      await ctx.waitForEvent('go')
      return 'done'
    }
    const v2: Body = async (ctx) => {
      const approval = await ctx.waitForEvent('approval')
      await ctx.waitForEvent('go')
      return approval
    }
    const { v2: zart, execution_id } = await redeploy(backend, v1, v2)
    expect(await zart.status(execution_id)).toMatchObject({
      status: 'pending',
      error: { code: 'REPLAY_DIVERGED', history: { kind: 'step' }, code_asked: { kind: 'wait', name: 'approval' } },
    })
    await zart.close()
  })

  it('stops when a removed step shifts the repeat numbering', async () => {
    const v1: Body = async (ctx, runs) => {
      await step(ctx, runs, 'fetch')
      await step(ctx, runs, 'fetch')
      await ctx.waitForEvent('go')
      return step(ctx, runs, 'fetch')
    }
    const v2: Body = async (ctx, runs) => {
      await step(ctx, runs, 'fetch')
      await ctx.waitForEvent('go')
      return step(ctx, runs, 'fetch')
    }
    const { v2: zart, execution_id, runs } = await redeploy(backend, v1, v2)
    expect(await zart.status(execution_id)).toMatchObject({
      status: 'pending',
      error: { code: 'REPLAY_DIVERGED', position: 2, history: { kind: 'step' }, code_asked: { kind: 'wait' } },
    })
    expect(runs).toEqual(['fetch', 'fetch'])
    await zart.close()
  })

  it('stops when the code returns before reaching what history recorded', async () => {
    const v1: Body = async (ctx, runs) => {
      await Promise.all([step(ctx, runs, 'a'), ctx.waitForEvent('go')])
      return step(ctx, runs, 'b')
    }
    const v2: Body = async (ctx) => {
      await ctx.waitForEvent('go')
      return 'early'
    }
    const { v2: zart, execution_id } = await redeploy(backend, v1, v2)
    expect(await zart.status(execution_id)).toMatchObject({ status: 'pending', error: { code: 'REPLAY_DIVERGED' } })
    await zart.close()
  })

  it('lets old executions keep the old path and new ones take the new one with ctx.patched()', async () => {
    const v1: Body = async (ctx, runs) => {
      await step(ctx, runs, 'a')
      await step(ctx, runs, 'b')
      await ctx.waitForEvent('go')
      return step(ctx, runs, 'c')
    }
    const v2: Body = async (ctx, runs) => {
      await step(ctx, runs, 'a')
      const path = ctx.patched('new-b') ? await step(ctx, runs, 'b2') : await step(ctx, runs, 'b')
      await ctx.waitForEvent('go')
      return `${path}+${await step(ctx, runs, 'c')}`
    }
    const { v2: zart, execution_id, runs } = await redeploy(backend, v1, v2)
    expect(await zart.status(execution_id)).toMatchObject({ status: 'completed', output: 'b+c' })
    expect(runs).toEqual(['a', 'b', 'c'])

    runs.length = 0
    const fresh = await zart.schedule('order')
    await zart.drain()
    await zart.deliverEvent(fresh.execution_id, 'go', {})
    await zart.drain()
    const done = await zart.status(fresh.execution_id, { includeSteps: true })
    expect(done).toMatchObject({ status: 'completed', output: 'b2+c' })
    expect(done.steps?.map((s) => [s.name, s.kind])).toEqual([
      ['a', 'step'],
      ['#patch:new-b', 'patch'],
      ['b2', 'step'],
      ['go', 'wait'],
      ['c', 'step'],
    ])
    expect(runs).toEqual(['a', 'b2', 'c'])
    await zart.close()
  })

  it('records the version and lets a pinned worker claim only the versions it runs', async () => {
    const clock = new FakeClock()
    const runs: string[] = []
    const body: Body = async (ctx, r) => {
      await ctx.waitForEvent('go')
      return step(ctx, r, 'done')
    }
    const store = await backend.store()
    const old = await createZart({ db: store, workflows: [deploy(body, runs, '1')], clock })
    const { execution_id } = await old.schedule('order')
    await old.drain()
    expect(await old.status(execution_id)).toMatchObject({ status: 'waiting', version: '1' })
    await old.deliverEvent(execution_id, 'go', {})

    const pinned = await createZart({ db: await backend.reopen(store), workflows: [deploy(body, runs, '2')], clock })
    expect(await pinned.drain({ pinVersions: true })).toBe(0)
    const newer = await pinned.schedule('order')
    expect(await pinned.drain({ pinVersions: true })).toBe(1)
    expect(await pinned.status(newer.execution_id)).toMatchObject({ status: 'waiting', version: '2' })
    expect(await pinned.status(execution_id)).toMatchObject({ status: 'pending' })

    expect(await old.drain({ pinVersions: true })).toBe(1)
    expect(await old.status(execution_id)).toMatchObject({ status: 'completed', output: 'done' })
    await old.close()
    await pinned.close()
  })

  it('replay-check finds, before a deploy, the executions new code would stop, and changes nothing', async () => {
    const clock = new FakeClock()
    const runs: string[] = []
    const v1: Body = async (ctx, r) => {
      await step(ctx, r, 'a')
      await Promise.all([step(ctx, r, 'b'), ctx.waitForEvent('go')])
      return step(ctx, r, 'c')
    }
    const renamed: Body = async (ctx, r) => {
      await step(ctx, r, 'a')
      await Promise.all([step(ctx, r, 'b-renamed'), ctx.waitForEvent('go')])
      return step(ctx, r, 'c')
    }
    const guarded: Body = async (ctx, r) => {
      await step(ctx, r, 'a')
      if (ctx.patched('extra')) await step(ctx, r, 'extra')
      await Promise.all([step(ctx, r, 'b'), ctx.waitForEvent('go')])
      return step(ctx, r, 'c')
    }
    const store = await backend.store()
    const old = await createZart({ db: store, workflows: [deploy(v1, runs)], clock })
    const { execution_id } = await old.schedule('order')
    await old.drain()
    await old.close()
    const check = async (body: Body) => {
      const zart = await createZart({ db: await backend.reopen(store), workflows: [deploy(body, runs)], clock })
      const result = await zart.replayCheck()
      await zart.close()
      return result
    }
    expect(await check(v1)).toEqual({ checked: 1, diverged: [], skipped: 0 })
    expect(await check(guarded)).toEqual({ checked: 1, diverged: [], skipped: 0 })
    expect(await check(renamed)).toMatchObject({
      checked: 1,
      diverged: [{ execution_id, position: 2, history: { name: 'b' }, code: { name: 'b-renamed' } }],
    })
    expect(runs).toEqual(['a', 'b'])
    const after = await createZart({ db: await backend.reopen(store), workflows: [deploy(v1, runs)], clock })
    expect(await after.status(execution_id)).toMatchObject({ status: 'waiting' })
    await after.close()
  })

  it('derives a version from the code when none is declared', async () => {
    const a = defineWorkflow({ name: 'order' }, async () => 1)
    const b = defineWorkflow({ name: 'order' }, async () => 2)
    expect(a.version).toMatch(/^code-[0-9a-f]{12}$/)
    expect(a.version).not.toBe(b.version)
    expect(defineWorkflow({ name: 'order' }, async () => 1).version).toBe(a.version)
  })
})
