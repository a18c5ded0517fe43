/**
 * The longest delay Node's `setTimeout` and `setInterval` honour: 2^31-1 ms, about 24.8
 * days. A longer one is not refused but replaced by 1 ms (with only a process warning), so
 * a 30-day workflow timeout or retention interval would fire at once, or every millisecond.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1

/** A timer made by `setLongTimeout` or `setLongInterval`. */
export interface LongTimer {
  /** Stops it; calling it again, or after the timer fired, does nothing. */
  clear(): void
  /** Lets the process exit while only this timer is left (as `Timeout.unref()`). Returns the timer. */
  unref(): LongTimer
}

/** A delay Node accepts as it is: at least 0, at most `MAX_TIMER_DELAY_MS`, and not NaN. */
export function clampDelay(ms: number): number {
  return Number.isNaN(ms) ? 0 : Math.min(Math.max(ms, 0), MAX_TIMER_DELAY_MS)
}

/**
 * `setTimeout` for any delay: a delay above `MAX_TIMER_DELAY_MS` is waited in chunks, each
 * re-armed when the last one ends, so `fn` runs after `ms` and not at once. Use it wherever
 * the delay comes from a user or a stored time (deadlines, grace periods, intervals).
 *
 * @example
 * const timer = setLongTimeout(() => void run.timeOut(), deadlineAt - now).unref()
 * ...
 * timer.clear()
 */
export function setLongTimeout(fn: () => void, ms: number): LongTimer {
  let left = Number.isNaN(ms) ? 0 : Math.max(0, ms)
  let unrefd = false
  let handle: NodeJS.Timeout | undefined
  const arm = () => {
    const chunk = clampDelay(left)
    handle = setTimeout(() => {
      left -= chunk
      if (left > 0) arm()
      else {
        handle = undefined
        fn()
      }
    }, chunk)
    if (unrefd) handle.unref()
  }
  arm()
  const timer: LongTimer = {
    clear() {
      clearTimeout(handle)
      handle = undefined
    },
    unref() {
      unrefd = true
      handle?.unref()
      return timer
    },
  }
  return timer
}

/**
 * `setInterval` for any period: runs `fn` every `ms` (at least 1 ms), however long, by
 * re-arming a `setLongTimeout` after each run.
 *
 * @example
 * const retention = setLongInterval(prune, parseDuration('30d')).unref()
 */
export function setLongInterval(fn: () => void, ms: number): LongTimer {
  const period = Math.max(1, Number.isNaN(ms) ? 1 : ms)
  let unrefd = false
  let current: LongTimer | undefined
  let cleared = false
  const arm = () => {
    current = setLongTimeout(() => {
      // Re-armed before `fn` runs, so a `clear()` from inside `fn` holds.
      arm()
      fn()
    }, period)
    if (unrefd) current.unref()
  }
  arm()
  const timer: LongTimer = {
    clear() {
      cleared = true
      current?.clear()
    },
    unref() {
      unrefd = true
      if (!cleared) current?.unref()
      return timer
    },
  }
  return timer
}
