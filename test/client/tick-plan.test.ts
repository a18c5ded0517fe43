import { describe, expect, it } from 'vitest'
import { parseCron } from '../../src/cron.ts'
import { planTicks, type TickPlanInput } from '../../src/client/tick-plan.ts'

const at = (iso: string) => Date.parse(iso)
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
const hourly = parseCron('0 * * * *')

function plan(change: Partial<TickPlanInput>) {
  const result = planTicks({
    cron: hourly,
    from: at('2026-01-01T01:00:00Z'),
    now: at('2026-01-01T01:00:05Z'),
    overlap: 'allow',
    catchUp: 'latest',
    previousRunning: false,
    ...change,
  })
  return result.kind === 'wait' ? result : { ...result, ticks: result.ticks.map(iso), to: iso(result.to) }
}

describe('which due ticks start', () => {
  it('starts a tick found on time under every policy, and moves on to the next', () => {
    for (const catchUp of ['none', 'latest', 'all'] as const)
      expect(plan({ catchUp })).toEqual({
        kind: 'fire',
        ticks: ['2026-01-01T01:00:00.000Z'],
        to: '2026-01-01T02:00:00.000Z',
        skipped: 0,
        beyondBound: false,
      })
  })

  it('after downtime: none skips, latest runs the last, all runs each, bounded', () => {
    const late = { now: at('2026-01-01T05:30:00Z') }
    expect(plan({ ...late, catchUp: 'none' })).toMatchObject({ ticks: [], to: '2026-01-01T06:00:00.000Z', skipped: 5 })
    expect(plan({ ...late, catchUp: 'latest' })).toMatchObject({ ticks: ['2026-01-01T05:00:00.000Z'], skipped: 4 })
    expect(plan({ ...late, catchUp: 'all' })).toMatchObject({ skipped: 0, to: '2026-01-01T06:00:00.000Z' })
    expect((plan({ ...late, catchUp: 'all' }) as { ticks: string[] }).ticks).toHaveLength(5)
    const week = plan({ cron: parseCron('* * * * *'), catchUp: 'all', now: at('2026-01-08T01:00:00Z') })
    expect(week).toMatchObject({ kind: 'fire', to: '2026-01-08T01:01:00.000Z', skipped: 0, beyondBound: true })
    expect((week as { ticks: string[] }).ticks).toHaveLength(100)
    expect((week as { ticks: string[] }).ticks.at(-1)).toBe('2026-01-08T01:00:00.000Z')
  })

  it('overlap: skip drops the ticks while the last runs; queue waits, then starts one at a time', () => {
    const late = { now: at('2026-01-01T03:10:00Z'), catchUp: 'all' as const }
    expect(plan({ ...late, overlap: 'skip', previousRunning: true })).toEqual({
      kind: 'fire',
      ticks: [],
      to: '2026-01-01T04:00:00.000Z',
      skipped: 3,
      beyondBound: false,
    })
    expect(plan({ ...late, overlap: 'queue', previousRunning: true })).toEqual({ kind: 'wait' })
    expect(plan({ ...late, overlap: 'queue' })).toEqual({
      kind: 'fire',
      ticks: ['2026-01-01T01:00:00.000Z'],
      to: '2026-01-01T02:00:00.000Z',
      skipped: 0,
      beyondBound: false,
    })
    // A tick queued behind a long run is not a missed one: catch-up none acts as latest.
    expect(plan({ ...late, overlap: 'queue', catchUp: 'none' })).toMatchObject({
      ticks: ['2026-01-01T03:00:00.000Z'],
      skipped: 2,
    })
    expect(plan({ ...late, overlap: 'allow', previousRunning: true }).kind).toBe('fire')
  })

  it('follows the time zone across daylight saving: a tick in the skipped hour runs once, after it', () => {
    const berlin = parseCron('30 2 * * *', 'Europe/Berlin')
    expect(iso(berlin.next(at('2026-03-28T12:00:00Z')))).toBe('2026-03-29T01:00:00.000Z') // 03:00 CEST
    expect(iso(berlin.next(at('2026-10-24T12:00:00Z')))).toBe('2026-10-25T00:30:00.000Z') // 02:30 CEST, once
    expect(iso(berlin.next(at('2026-10-25T00:30:00Z')))).toBe('2026-10-26T01:30:00.000Z')
  })
})
