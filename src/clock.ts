/**
 * Where the engine reads the time. Tests pass a fake clock and move it by hand, so
 * retries, timeouts and sleeps are checked without real waiting.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() }
