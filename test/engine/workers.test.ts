import { expect, it } from 'vitest'
import { createZart, defineWorkflow } from '../../src/index.ts'
import { eachBackend } from './each-backend.ts'

eachBackend('live workers', (backend) => {
  it('each worker reports itself; status says when no worker runs a workflow', async () => {
    const mail = defineWorkflow({ name: 'mail' }, async (ctx) => ctx.waitForEvent('go'))
    const report = defineWorkflow({ name: 'report' }, async () => 'done')
    const store = await backend.store()
    // A process that runs only `mail`, and one that schedules `report` but runs nothing.
    const runner = await createZart({ db: store, workflows: [mail] })
    const caller = await createZart({ db: await backend.reopen(store), workflows: [mail, report] })
    expect(await caller.workers()).toEqual([])
    const worker = runner.startWorker()
    let workers = await caller.workers()
    for (let i = 0; i < 250 && workers.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      workers = await caller.workers()
    }
    expect(workers).toMatchObject([{ id: worker.id, pid: process.pid, workflows: ['mail'] }])

    const stuck = await caller.schedule('report', {})
    expect(await caller.status(stuck.execution_id)).toMatchObject({
      status: 'pending',
      input: {},
      hint: expect.stringMatching(/^no worker is running workflow "report": start one/),
    })
    const moving = await caller.schedule('mail', {})
    for (let i = 0; i < 250 && (await caller.status(moving.execution_id)).status !== 'waiting'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect((await caller.status(moving.execution_id)).hint).toBeUndefined()

    await runner.close()
    expect(await caller.workers()).toEqual([])
    expect(await caller.status(moving.execution_id)).toMatchObject({ status: 'waiting', hint: expect.any(String) })
    await caller.close()
  })

  it('status asks for no worker list when this process’s own worker runs the workflow', async () => {
    const mail = defineWorkflow({ name: 'mail' }, async (ctx) => ctx.waitForEvent('go'))
    const store = await backend.store()
    let lists = 0
    const listWorkers = store.listWorkers.bind(store)
    store.listWorkers = (now) => {
      lists++
      return listWorkers(now)
    }
    const zart = await createZart({ db: store, workflows: [mail] })
    const { execution_id } = await zart.schedule('mail', {})
    // No worker here yet: the hint needs the list.
    expect(await zart.status(execution_id)).toMatchObject({ status: 'pending', hint: expect.any(String) })
    expect(lists).toBe(1)
    zart.startWorker()
    for (let i = 0; i < 250 && (await zart.status(execution_id)).status !== 'waiting'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    lists = 0
    expect((await zart.status(execution_id)).hint).toBeUndefined()
    expect(lists).toBe(0)
    await zart.close()
  })
})
