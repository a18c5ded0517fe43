import type { Clock } from '../clock.ts'
import { parseDuration, type Duration } from '../duration.ts'

/**
 * A clock that moves only when told, for tests of retries, timeouts and leases with no
 * real waiting.
 *
 * @example
 * const clock = new ManualClock()
 * const zart = await createZart({ db, workflows, clock })
 * clock.advance('5m')
 */
export class ManualClock implements Clock {
  private time: number

  constructor(time = Date.parse('2026-01-01T00:00:00Z')) {
    this.time = time
  }

  now(): number {
    return this.time
  }

  advance(by: Duration): void {
    this.time += parseDuration(by)
  }
}
