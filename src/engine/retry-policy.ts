import { parseDuration, type Duration } from '../duration.ts'

export type Backoff = 'fixed' | 'linear' | 'exponential'

/** How a failing step is retried. Between attempts the execution is rescheduled in the database. */
export interface RetryPolicy {
  /** Total attempts including the first; 1 means no retry. */
  maxAttempts: number
  backoff: Backoff
  /** Delay before the second attempt, in ms. */
  initialDelayMs: number
  /** Cap on any single delay, in ms. */
  maxDelayMs: number
  /** 0..1: each delay is reduced by a random fraction up to this much, to spread retries. */
  jitter: number
}

export interface RetryOptions {
  maxDelay?: Duration
  jitter?: number
}

function make(backoff: Backoff, maxAttempts: number, initialDelay: Duration, options: RetryOptions = {}): RetryPolicy {
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a whole number of at least 1, got ${maxAttempts}`)
  }
  const jitter = options.jitter ?? 0
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`jitter must be between 0 and 1, got ${jitter}`)
  const initialDelayMs = parseDuration(initialDelay, 'initial delay')
  return {
    maxAttempts,
    backoff,
    initialDelayMs,
    maxDelayMs: options.maxDelay === undefined ? Number.MAX_SAFE_INTEGER : parseDuration(options.maxDelay, 'max delay'),
    jitter,
  }
}

/**
 * Ready-made retry policies.
 *
 * @example
 * ctx.stepWithRetry('charge', RetryConfig.exponential(5, '2s', { maxDelay: '1m', jitter: 0.2 }), charge)
 */
export const RetryConfig = {
  /** No retry: the first failure is final (the default for steps). */
  none: (): RetryPolicy => make('fixed', 1, 0),
  /** The same delay before every retry. */
  fixed: (maxAttempts: number, delay: Duration, options?: RetryOptions): RetryPolicy =>
    make('fixed', maxAttempts, delay, options),
  /** Delays grow by the initial delay each time: d, 2d, 3d... */
  linear: (maxAttempts: number, initialDelay: Duration, options?: RetryOptions): RetryPolicy =>
    make('linear', maxAttempts, initialDelay, options),
  /** Delays double each time: d, 2d, 4d... */
  exponential: (maxAttempts: number, initialDelay: Duration, options?: RetryOptions): RetryPolicy =>
    make('exponential', maxAttempts, initialDelay, options),
}

/**
 * Delay in ms before the attempt after `failedAttempt` (1-based). `random` is injectable
 * so tests see exact figures.
 */
export function retryDelay(policy: RetryPolicy, failedAttempt: number, random: () => number = Math.random): number {
  const base =
    policy.backoff === 'fixed'
      ? policy.initialDelayMs
      : policy.backoff === 'linear'
        ? policy.initialDelayMs * failedAttempt
        : policy.initialDelayMs * 2 ** (failedAttempt - 1)
  const capped = Math.min(base, policy.maxDelayMs)
  return Math.round(capped * (1 - policy.jitter * random()))
}

/** Whole-workflow retries: exponential from 1 s, capped at 5 min. */
export const WORKFLOW_RETRY_POLICY: RetryPolicy = make('exponential', Number.MAX_SAFE_INTEGER, '1s', { maxDelay: '5m' })
