/**
 * Every hook of the engine into traces and metrics, in one place. Traces go through the
 * OpenTelemetry API only, and only once something registered with it (an SDK, a context
 * manager): until then no span is made and the API is not even loaded, so commands that
 * run no workflow start as fast as before and a worker pays next to nothing per step (see
 * `npm run bench`). Metrics go to an `EngineMetrics` sink the process passes in (the
 * Prometheus one lives outside the core).
 */
import { createRequire } from 'node:module'
import type * as OpenTelemetry from '@opentelemetry/api'
import type { Context, Span, SpanContext, Tracer, TracerProvider } from '@opentelemetry/api'

/** Where the engine reports what it counts; every method must be cheap and never throw. */
export interface EngineMetrics {
  /** This process created an execution (a schedule call that did not find an existing one). */
  executionScheduled(workflow: string): void
  /** A worker began the first run of an execution. */
  executionStarted(workflow: string): void
  /** An execution reached a terminal status here (`completed`, `failed`, `timed_out`, `cancelled`). */
  executionFinished(workflow: string, status: string): void
  /** One step attempt ended: `completed`, `failed` (for good) or `retrying`. */
  stepAttempt(workflow: string, step: string, status: string, seconds: number): void
  /** A claim round trip to the database took this long and claimed `count` executions. */
  claim(seconds: number, count: number): void
  /** One group commit wrote this many fenced writes in one transaction. */
  commitGroup(size: number): void
}

/**
 * Where every copy of the OpenTelemetry API (1.x) keeps what was registered with it: the
 * API's own documented way for several copies in one process to agree. Unset while
 * nothing registered, and then every span would be a no-op.
 */
const REGISTERED = Symbol.for('opentelemetry.js.api.1')
let loaded: typeof OpenTelemetry | undefined

/** The OpenTelemetry API once anything registered with it; undefined (and not loaded) before. */
function otel(): typeof OpenTelemetry | undefined {
  if (loaded) return loaded
  if ((globalThis as Record<symbol, unknown>)[REGISTERED] === undefined) return undefined
  loaded = createRequire(import.meta.url)('@opentelemetry/api') as typeof OpenTelemetry
  return loaded
}

/**
 * The tracer, kept while the global provider stays the same object: asking the API for a
 * tracer on every span would allocate one each time. A provider registered or disabled
 * later is a new global (or the delegate of the same proxy), so it is followed.
 */
let cached: { provider: TracerProvider; tracer: Tracer } | undefined
function tracer(api: typeof OpenTelemetry): Tracer {
  const provider = api.trace.getTracerProvider()
  if (cached?.provider !== provider) cached = { provider, tracer: provider.getTracer('zart') }
  return cached.tracer
}

const SAMPLED = 1
const INVALID_TRACE = /^0+$/

/**
 * Parses a W3C `traceparent` header (version-format-00 rules; later versions may append
 * fields). Anything malformed is ignored, as the spec asks: undefined, never an error.
 */
export function parseTraceparent(value: unknown): SpanContext | undefined {
  if (typeof value !== 'string') return undefined
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/.exec(value.trim())
  if (!match) return undefined
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ]
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined
  if (INVALID_TRACE.test(traceId) || INVALID_TRACE.test(spanId)) return undefined
  return { traceId, spanId, traceFlags: parseInt(flags, 16) & SAMPLED, isRemote: true }
}

/** The W3C `traceparent` of a span context, or null when it is not a valid one. */
export function formatTraceparent(spanContext: SpanContext): string | null {
  const { traceId, spanId } = spanContext
  if (!/^[0-9a-f]{32}$/.test(traceId) || !/^[0-9a-f]{16}$/.test(spanId)) return null
  if (INVALID_TRACE.test(traceId) || INVALID_TRACE.test(spanId)) return null
  return `00-${traceId}-${spanId}-0${spanContext.traceFlags & SAMPLED}`
}

/**
 * The span of a schedule call: a child of `traceparent` when one is given and valid, else
 * of the caller's active context. Returns the trace context to keep with the execution
 * (null when there is none), so every run of it joins the caller's trace.
 */
export function traceSchedule(
  workflow: string,
  executionId: string,
  traceparent?: string,
): { traceParent: string | null; end: (error?: unknown) => void } {
  const given = parseTraceparent(traceparent)
  const api = otel()
  if (!api) return { traceParent: given ? formatTraceparent(given) : null, end: () => {} }
  const parent = given ? api.trace.setSpanContext(api.ROOT_CONTEXT, given) : api.context.active()
  const span = tracer(api).startSpan(`schedule ${workflow}`, { kind: api.SpanKind.PRODUCER }, parent)
  if (span.isRecording()) span.setAttributes({ 'zart.workflow': workflow, 'zart.execution.id': executionId })
  return {
    traceParent: formatTraceparent(span.spanContext()),
    end: (error) => {
      if (error !== undefined && span.isRecording()) fail(api, span, error)
      span.end()
    },
  }
}

/** What a run is told about its execution, for its span. */
export interface RunSubject {
  id: string
  workflow: string
  attempt: number
  traceParent: string | null
}

/**
 * The span of one run of an execution (claim to suspend, hand-back or finish). Every run
 * of an execution is a child of the context kept from its schedule call, so the runs
 * before and after each suspension sit side by side in one trace.
 */
export class RunTelemetry {
  private readonly api: typeof OpenTelemetry | undefined
  /** The run's span and its context, while traces are on and the span records. */
  private readonly traced: { span: Span; context: Context } | undefined
  private ended = false

  private readonly execution: RunSubject
  private readonly metrics: EngineMetrics | undefined

  constructor(execution: RunSubject, metrics: EngineMetrics | undefined) {
    this.execution = execution
    this.metrics = metrics
    if (execution.attempt === 1) metrics?.executionStarted(execution.workflow)
    const api = (this.api = otel())
    if (!api) return
    const stored = parseTraceparent(execution.traceParent)
    const parent = stored ? api.trace.setSpanContext(api.ROOT_CONTEXT, stored) : api.ROOT_CONTEXT
    const span = tracer(api).startSpan(`run ${execution.workflow}`, { kind: api.SpanKind.CONSUMER }, parent)
    // Attributes only for a span that records (an SDK registered, and sampled).
    if (!span.isRecording()) {
      span.end()
      return
    }
    span.setAttributes({
      'zart.workflow': execution.workflow,
      'zart.execution.id': execution.id,
      'zart.attempt': execution.attempt,
    })
    this.traced = { span, context: api.trace.setSpan(parent, span) }
  }

  /** Runs `fn` (the workflow body) with this run's span active, for spans the workflow makes. */
  within<T>(fn: () => T): T {
    return this.api && this.traced ? this.api.context.with(this.traced.context, fn) : fn()
  }

  /** Starts the span of one step attempt; `end` on what it returns ends it. */
  step(key: string, name: string, attempt: number): StepTelemetry {
    const api = this.api
    if (!api || !this.traced) return new StepTelemetry(undefined, this.execution.workflow, name, this.metrics)
    const span = tracer(api).startSpan(`step ${name}`, undefined, this.traced.context)
    if (span.isRecording()) {
      span.setAttributes({
        'zart.workflow': this.execution.workflow,
        'zart.execution.id': this.execution.id,
        'zart.step': key,
        'zart.attempt': attempt,
      })
    }
    return new StepTelemetry({ api, span }, this.execution.workflow, name, this.metrics)
  }

  /**
   * The run ended: `status` is the execution's status after it (or why the run stopped:
   * `suspended`, `lease_lost`, `shutdown`...); `errorJson` the error it stored, if any (a
   * failure, or a failed run handed back to be retried), recorded on the span.
   */
  end(status: string, errorJson?: string | null): void {
    if (this.ended) return
    this.ended = true
    if (status === 'completed' || status === 'failed' || status === 'timed_out') {
      this.metrics?.executionFinished(this.execution.workflow, status)
    }
    if (!this.api || !this.traced) return
    const { span } = this.traced
    span.setAttribute('zart.status', status)
    if (status !== 'completed' && errorJson) fail(this.api, span, storedError(errorJson))
    span.end()
  }
}

/** The span of one step attempt, and the time it took for the step duration histogram. */
export class StepTelemetry {
  private readonly started: number

  private readonly traced: { api: typeof OpenTelemetry; span: Span } | undefined
  private readonly workflow: string
  private readonly name: string
  private readonly metrics: EngineMetrics | undefined

  constructor(
    traced: { api: typeof OpenTelemetry; span: Span } | undefined,
    workflow: string,
    name: string,
    metrics: EngineMetrics | undefined,
  ) {
    this.traced = traced
    this.workflow = workflow
    this.name = name
    this.metrics = metrics
    this.started = metrics ? performance.now() : 0
  }

  /** Runs the step function with this attempt's span active (for spans the step makes). */
  within<T>(fn: () => T): T {
    if (!this.traced?.span.isRecording()) return fn()
    const { api, span } = this.traced
    return api.context.with(api.trace.setSpan(api.context.active(), span), fn)
  }

  /**
   * The attempt ended: `completed`, `retrying` or `failed`, with the error when it threw;
   * `halted` when the run was stopped from outside meanwhile (cancel, lost lease, shutdown).
   */
  end(status: 'completed' | 'retrying' | 'failed' | 'halted', error?: unknown): void {
    if (this.traced) {
      const { api, span } = this.traced
      if (span.isRecording()) {
        span.setAttribute('zart.status', status)
        if (error !== undefined) fail(api, span, error)
      }
      span.end()
    }
    this.metrics?.stepAttempt(this.workflow, this.name, status, (performance.now() - this.started) / 1000)
  }
}

function fail(api: typeof OpenTelemetry, span: Span, error: unknown): void {
  const exception = error instanceof Error ? error : new Error(String(error))
  span.recordException(exception)
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: exception.message })
}

/** The stored error of a failed execution as an Error, for `recordException`. */
function storedError(errorJson: string | null | undefined): Error {
  let parsed: { name?: unknown; message?: unknown } = {}
  try {
    parsed = errorJson ? (JSON.parse(errorJson) as typeof parsed) : {}
  } catch {
    parsed = { message: errorJson }
  }
  const error = new Error(typeof parsed.message === 'string' ? parsed.message : 'execution failed')
  if (typeof parsed.name === 'string') error.name = parsed.name
  return error
}
