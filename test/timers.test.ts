import { afterEach, describe, expect, it, vi } from 'vitest'
import { clampDelay, MAX_TIMER_DELAY_MS, setLongInterval, setLongTimeout } from '../src/timers.ts'

const DAY = 86_400_000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

afterEach(() => {
  vi.useRealTimers()
})

describe('setLongTimeout', () => {
  it('does not fire at once for a delay past 2^31-1 ms, as a plain setTimeout would (real timers)', async () => {
    const plain = vi.fn()
    const long = vi.fn()
    const warn = process.emitWarning
    process.emitWarning = () => {} // Node warns about the plain overflowing timer
    const overflowing = setTimeout(plain, 30 * DAY)
    process.emitWarning = warn
    const timer = setLongTimeout(long, 30 * DAY)
    await sleep(30)
    clearTimeout(overflowing)
    timer.clear()
    expect(plain).toHaveBeenCalled() // the bug this module exists for
    expect(long).not.toHaveBeenCalled()
  })

  it('fires once, after the whole delay, re-arming in chunks', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    setLongTimeout(fn, 60 * DAY)
    vi.advanceTimersByTime(60 * DAY - 1)
    expect(fn).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(fn).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(100 * DAY)
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('can be cleared in any chunk, and treats negative or NaN delays as 0', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    const timer = setLongTimeout(fn, 60 * DAY)
    vi.advanceTimersByTime(40 * DAY)
    timer.clear()
    vi.advanceTimersByTime(40 * DAY)
    expect(fn).not.toHaveBeenCalled()
    setLongTimeout(fn, -5)
    setLongTimeout(fn, Number.NaN)
    vi.advanceTimersByTime(0)
    expect(fn).toHaveBeenCalledTimes(2)
  })
})

describe('setLongInterval', () => {
  it('runs every period, however long, until cleared (even from inside)', () => {
    vi.useFakeTimers()
    let runs = 0
    const timer = setLongInterval(() => {
      runs++
      if (runs === 3) timer.clear()
    }, 30 * DAY)
    vi.advanceTimersByTime(30 * DAY - 1)
    expect(runs).toBe(0)
    vi.advanceTimersByTime(1)
    expect(runs).toBe(1)
    vi.advanceTimersByTime(300 * DAY)
    expect(runs).toBe(3)
  })
})

describe('clampDelay', () => {
  it('keeps a delay inside what Node honours', () => {
    expect(clampDelay(-1)).toBe(0)
    expect(clampDelay(Number.NaN)).toBe(0)
    expect(clampDelay(5)).toBe(5)
    expect(clampDelay(90 * DAY)).toBe(MAX_TIMER_DELAY_MS)
  })
})
