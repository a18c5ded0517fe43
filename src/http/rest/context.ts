import type { Zart } from '../../client/zart.ts'
import type { Logger } from '../../engine/logger.ts'
import { HttpProblem } from './problem.ts'

/** Limits of the REST door; each has a default and a `zart serve` flag. */
export interface RestLimits {
  /** Largest request body, in bytes (default 2 MiB; the client's payload limit is 1 MiB). */
  maxBodyBytes: number
  /** Long-poll waits open at once (default 100); more are refused with 429. */
  maxWaits: number
  /** Ceiling of `?timeout=` on the wait route, in seconds (default 60). */
  maxWaitSeconds: number
  /** `?timeout=` when none is given, in seconds (default 30, never above the ceiling). */
  defaultWaitSeconds: number
}

export const DEFAULT_REST_LIMITS: RestLimits = {
  maxBodyBytes: 2 * 1024 * 1024,
  maxWaits: 100,
  maxWaitSeconds: 60,
  defaultWaitSeconds: 30,
}

/** What every route group is given. */
export interface RestContext {
  zart: Zart
  logger: Logger
  limits: RestLimits
  waits: WaitSlots
  /** Aborts when the server starts shutting down: long polls return at once. */
  shutdown: AbortSignal
  /** The dashboard page of an execution, when a dashboard is served (added to status as `dashboard_url`). */
  dashboardUrl?: ((executionId: string) => string | undefined) | undefined
}

/**
 * Counts open long polls. Each costs a timer and a database read every 100 ms, so their
 * number is bounded; past it callers get 429 and retry, instead of the server slowing down.
 */
export class WaitSlots {
  private open = 0
  private readonly max: number

  constructor(max: number) {
    this.max = max
  }

  /** Takes a slot or throws TOO_MANY_WAITS; call the returned function to give it back. */
  take(): () => void {
    if (this.open >= this.max) {
      throw new HttpProblem(
        'TOO_MANY_WAITS',
        `${this.max} waits are open on this server already: retry in a moment, or poll GET /executions/{id} instead`,
        { 'Retry-After': '1' },
      )
    }
    this.open++
    let given = false
    return () => {
      if (!given) this.open--
      given = true
    }
  }

  get count(): number {
    return this.open
  }
}
