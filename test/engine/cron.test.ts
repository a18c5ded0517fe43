import { expect, it } from 'vitest'
import { z } from 'zod'
import { createZart, defineWorkflow, type Zart } from '../../src/index.ts'
import { ManualClock } from '../../src/testing/index.ts'
import { eachBackend } from './each-backend.ts'

const start = Date.parse('2026-01-01T00:00:00Z')
const hourly = defineWorkflow(
  { name: 'report', input: z.object({ team: z.string().optional() }) },
  async (ctx, input) => ctx.step('build', () => `report for ${input.team ?? 'all'}`),
)
/** Stays unfinished until it gets `done`: to test overlap. */
const slow = defineWorkflow({ name: 'slow' }, async (ctx) => ctx.waitForEvent('done'))

/** Every execution id, sorted. */
async function ids(zart: Zart): Promise<string[]> {
  const all: string[] = []
  let cursor: string | undefined
  do {
    const page = await zart.list({ limit: 100, ...(cursor !== undefined && { cursor }) })
    all.push(...page.executions.map((e) => e.id))
    cursor = page.next_cursor ?? undefined
  } while (cursor !== undefined)
  return all.sort()
}
const tick = (name: string, iso: string) => `cron:${name}:${iso}`

eachBackend('cron schedules', (backend) => {
  it('adds, lists, pauses, resumes and removes; refuses bad input with coded errors, changing nothing', async () => {
    const clock = new ManualClock(start)
    const zart = await createZart({ db: await backend.store(), workflows: [hourly], clock })
    const added = await zart.addSchedule({
      name: 'daily',
      workflow: 'report',
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Berlin',
      data: { team: 'ops' },
    })
    // 2026-01-01 is a Thursday; 09:00 in Berlin is 08:00 UTC in winter.
    expect(added).toMatchObject({
      created: true,
      source: 'api',
      overlap: 'skip',
      catch_up: 'latest',
      paused: false,
      next_tick_at: '2026-01-01T08:00:00.000Z',
      data: { team: 'ops' },
    })
    // The zone is stored as spelled canonically: the same schedule again.
    const again = await zart.addSchedule({
      name: 'daily',
      workflow: 'report',
      cron: '0 9 * * 1-5',
      timezone: 'europe/berlin',
      data: { team: 'ops' },
    })
    expect(again.created).toBe(false)

    const bad = [
      [{ cron: 'every day' }, 'INVALID_INPUT', /cron expression "every day" does not parse/],
      [{ cron: '0 0 30 2 *' }, 'INVALID_INPUT', /never fires/],
      [{ timezone: 'Mars/Olympus' }, 'INVALID_INPUT', /unknown time zone "Mars\/Olympus"/],
      [{ workflow: 'nope' }, 'UNKNOWN_WORKFLOW', /unknown workflow "nope"/],
      [{ overlap: 'sometimes' }, 'INVALID_INPUT', /overlap must be one of skip, queue, allow/],
      [{ catchUp: 'most' }, 'INVALID_INPUT', /catch-up must be one of none, latest, all/],
      [{ data: { team: 1 } }, 'INVALID_INPUT', /data for workflow "report"/],
      [{ name: 'daily', cron: '0 10 * * *' }, 'ID_CONFLICT', /schedule "daily" already exists with a different/],
      [{ name: 'x'.repeat(97) }, 'INVALID_INPUT', /over the limit of 96/],
    ] as const
    for (const [change, code, message] of bad) {
      const input = { name: 'other', workflow: 'report', cron: '0 9 * * *', ...change }
      await expect(zart.addSchedule(input as never), JSON.stringify(change)).rejects.toMatchObject({
        code,
        message: expect.stringMatching(message),
      })
    }
    expect((await zart.listSchedules()).schedules.map((s) => s.name)).toEqual(['daily'])

    expect(await zart.pauseSchedule('daily')).toMatchObject({ paused: true })
    clock.advance('1d')
    expect(await zart.fireDueSchedules()).toEqual([])
    // Resumed from the next tick after now: the ticks that fell while paused are not run.
    expect(await zart.resumeSchedule('daily')).toMatchObject({
      paused: false,
      next_tick_at: '2026-01-02T08:00:00.000Z',
    })
    await expect(zart.pauseSchedule('nope')).rejects.toMatchObject({ code: 'SCHEDULE_NOT_FOUND' })
    expect(await zart.removeSchedule('daily')).toEqual({ name: 'daily', removed: true, declared_in_code: false })
    await expect(zart.removeSchedule('daily')).rejects.toMatchObject({
      code: 'SCHEDULE_NOT_FOUND',
      message: expect.stringMatching(/no schedule named "daily"/),
    })
    expect((await zart.listSchedules()).schedules).toEqual([])
    await zart.close()
  })

  it('fires each due tick once, with an id from the schedule and the tick; status names the schedule', async () => {
    const clock = new ManualClock(start)
    const zart = await createZart({ db: await backend.store(), workflows: [hourly], clock })
    await zart.addSchedule({ name: 'hourly', workflow: 'report', cron: '0 * * * *', data: { team: 'a' } })
    clock.advance('30m')
    expect(await zart.fireDueSchedules()).toEqual([])
    clock.advance('30m')
    const first = tick('hourly', '2026-01-01T01:00:00.000Z')
    expect(await zart.fireDueSchedules()).toEqual([first])
    expect(await zart.fireDueSchedules()).toEqual([])
    await zart.drain()
    expect(await zart.status(first)).toMatchObject({
      status: 'completed',
      output: 'report for a',
      schedule: { name: 'hourly', tick_at: '2026-01-01T01:00:00.000Z' },
    })
    expect(await zart.getSchedule('hourly')).toMatchObject({
      last_tick_at: '2026-01-01T01:00:00.000Z',
      last_execution_id: first,
      next_tick_at: '2026-01-01T02:00:00.000Z',
    })
    await zart.close()
  })

  it('four workers racing over the same ticks start exactly one execution per tick', async () => {
    const clock = new ManualClock(start)
    const store = await backend.store()
    const zarts = [await createZart({ db: store, workflows: [hourly], clock })]
    for (let i = 0; i < 3; i++) {
      zarts.push(await createZart({ db: await backend.reopen(store), workflows: [hourly], clock }))
    }
    const [first] = zarts
    await first?.addSchedule({ name: 'race', workflow: 'report', cron: '*/5 * * * *', overlap: 'allow' })
    for (let round = 0; round < 3; round++) {
      clock.advance('5m')
      // Each reads the schedule due before any moves it on: all four ask for the tick.
      await Promise.all(zarts.map((z) => z.fireDueSchedules()))
    }
    expect(await ids(first!)).toEqual([
      tick('race', '2026-01-01T00:05:00.000Z'),
      tick('race', '2026-01-01T00:10:00.000Z'),
      tick('race', '2026-01-01T00:15:00.000Z'),
    ])
    expect((await first!.getSchedule('race')).next_tick_at).toBe('2026-01-01T00:20:00.000Z')
    await Promise.all(zarts.map((z) => z.close()))
  })

  it('after downtime, catch-up none skips the missed ticks, latest runs the last, all runs each (at most 100)', async () => {
    const clock = new ManualClock(start)
    const zart = await createZart({ db: await backend.store(), workflows: [hourly], clock })
    for (const catchUp of ['none', 'latest', 'all'] as const) {
      await zart.addSchedule({ name: catchUp, workflow: 'report', cron: '0 * * * *', catchUp, overlap: 'allow' })
    }
    await zart.addSchedule({
      name: 'minutely',
      workflow: 'report',
      cron: '* * * * *',
      catchUp: 'all',
      overlap: 'allow',
    })
    clock.advance('5h')
    clock.advance('10m')
    await zart.fireDueSchedules()
    const started = await ids(zart)
    expect(started.filter((id) => id.startsWith('cron:none:'))).toEqual([])
    expect(started.filter((id) => id.startsWith('cron:latest:'))).toEqual([tick('latest', '2026-01-01T05:00:00.000Z')])
    expect(started.filter((id) => id.startsWith('cron:all:'))).toHaveLength(5)
    // 310 minutes missed: the 100 latest run.
    const minutely = started.filter((id) => id.startsWith('cron:minutely:'))
    expect(minutely).toHaveLength(100)
    expect(minutely[0]).toBe(tick('minutely', '2026-01-01T03:31:00.000Z'))
    for (const name of ['none', 'latest', 'all']) {
      expect((await zart.getSchedule(name)).next_tick_at).toBe('2026-01-01T06:00:00.000Z')
    }
    await zart.close()
  })

  it('overlap skip starts nothing while the last tick runs; queue starts the tick once it ends', async () => {
    const clock = new ManualClock(start)
    const zart = await createZart({ db: await backend.store(), workflows: [slow], clock })
    await zart.addSchedule({ name: 'skip', workflow: 'slow', cron: '0 * * * *', overlap: 'skip' })
    await zart.addSchedule({ name: 'queue', workflow: 'slow', cron: '0 * * * *', overlap: 'queue' })
    clock.advance('1h')
    await zart.fireDueSchedules()
    await zart.drain()
    clock.advance('1h')
    await zart.fireDueSchedules()
    expect(await ids(zart)).toEqual([
      tick('queue', '2026-01-01T01:00:00.000Z'),
      tick('skip', '2026-01-01T01:00:00.000Z'),
    ])
    expect((await zart.getSchedule('skip')).next_tick_at).toBe('2026-01-01T03:00:00.000Z')
    expect((await zart.getSchedule('queue')).next_tick_at).toBe('2026-01-01T02:00:00.000Z')

    await zart.deliverEvent(tick('queue', '2026-01-01T01:00:00.000Z'), 'done')
    await zart.drain()
    clock.advance('1m')
    expect(await zart.fireDueSchedules()).toEqual([tick('queue', '2026-01-01T02:00:00.000Z')])
    await zart.close()
  })

  it('upserts schedules declared in code when a worker loads the workflow; code wins and keeps a pause', async () => {
    const clock = new ManualClock(start)
    const store = await backend.store()
    const declared = (cron: string) =>
      defineWorkflow({ name: 'nightly', schedule: { cron, timezone: 'Europe/Berlin' } }, async () => 'ok')
    const zart = await createZart({ db: store, workflows: [declared('0 2 * * *')], clock })
    await zart.fireDueSchedules()
    expect(await zart.getSchedule('nightly')).toMatchObject({
      source: 'code',
      cron: '0 2 * * *',
      next_tick_at: '2026-01-01T01:00:00.000Z',
    })
    await expect(zart.addSchedule({ name: 'nightly', workflow: 'nightly', cron: '0 3 * * *' })).rejects.toMatchObject({
      code: 'ID_CONFLICT',
      message: expect.stringMatching(/declared in code with workflow "nightly"/),
    })
    await zart.pauseSchedule('nightly')
    const next = await createZart({ db: await backend.reopen(store), workflows: [declared('0 4 * * *')], clock })
    await next.fireDueSchedules()
    expect(await next.getSchedule('nightly')).toMatchObject({ cron: '0 4 * * *', paused: true })
    await expect(createZart({ db: store, workflows: [declared('61 * * * *')], migrate: false })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/workflow "nightly" schedule: cron/),
    })
    await next.close()
    await zart.close()
  })

  it('fires a tick due before the next poll at its time, not at the poll', async () => {
    // Polling once an hour: only a timer armed for the next tick can fire it within seconds.
    const zart = await createZart({ db: await backend.store(), workflows: [hourly], cronPollMs: 3_600_000 })
    zart.startWorker()
    // Added after the first pass: adding it arms the timer for its first tick.
    await zart.addSchedule({ name: 'every-second', workflow: 'report', cron: '* * * * * *' })
    let started: string[] = []
    for (let i = 0; i < 100 && started.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      started = (await ids(zart)).filter((id) => id.startsWith('cron:every-second:'))
    }
    // And the pass that fired it armed the next: a second tick follows without a poll.
    for (let i = 0; i < 100 && started.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      started = (await ids(zart)).filter((id) => id.startsWith('cron:every-second:'))
    }
    expect(started.length).toBeGreaterThanOrEqual(2)
    await zart.close()
  })
})
