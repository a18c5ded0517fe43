/**
 * Every hook of the engine into traces and metrics, in one place. Traces go through the
 * OpenTelemetry API only: with no SDK registered its tracer hands out non-recording spans
 * and the calls here cost a few allocations (see `npm run bench`). Metrics go to an
 * `EngineMetrics` sink the process passes in (the Prometheus one lives outside the core).
 */
import {
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api'

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
 * The tracer, kept while the global provider stays the same object: asking the API for a
 * tracer on every span would allocate one each time. A provider registered or disabled
 * later is a new global (or the delegate of the same proxy), so it is followed.
 */
let cached: { provider: TracerProvider; tracer: Tracer } | undefined
function tracer(): Tracer {
  const provider = trace.getTracerProvider()
  if (cached?.provider !== provider) cached = { provider, tracer: provider.getTracer('zart') }
  return cached.tracer
}

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
  const spanContext = { traceId, spanId, traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED, isRemote: true }
  return isSpanContextValid(spanContext) ? spanContext : undefined
}

/** The W3C `traceparent` of a span context, or null when it is not a valid one. */
export function formatTraceparent(spanContext: SpanContext): string | null {
  if (!isSpanContextValid(spanContext)) return null
  const flags = (spanContext.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0')
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`
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
  const parent = given ? trace.setSpanContext(ROOT_CONTEXT, given) : context.active()
  const span = tracer().startSpan(`schedule ${workflow}`, { kind: SpanKind.PRODUCER }, parent)
  if (span.isRecording()) span.setAttributes({ 'zart.workflow': workflow, 'zart.execution.id': executionId })
  return {
    traceParent: formatTraceparent(span.spanContext()),
    end: (error) => {
      if (error !== undefined && span.isRecording()) fail(span, error)
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
  readonly context: Context
  private readonly span: Span
  private ended = false

  constructor(
    private readonly execution: RunSubject,
    private readonly metrics: EngineMetrics | undefined,
  ) {
    const stored = parseTraceparent(execution.traceParent)
    const parent = stored ? trace.setSpanContext(ROOT_CONTEXT, stored) : ROOT_CONTEXT
    this.span = tracer().startSpan(`run ${execution.workflow}`, { kind: SpanKind.CONSUMER }, parent)
    // Attributes only for a span that records: with no SDK nothing is built at all.
    if (this.span.isRecording()) {
      this.span.setAttributes({
        'zart.workflow': execution.workflow,
        'zart.execution.id': execution.id,
        'zart.attempt': execution.attempt,
      })
    }
    this.context = this.span.isRecording() ? trace.setSpan(parent, this.span) : parent
    if (execution.attempt === 1) metrics?.executionStarted(execution.workflow)
  }

  /** Runs `fn` (the workflow body) with this run's span active, for spans the workflow makes. */
  within<T>(fn: () => T): T {
    return this.span.isRecording() ? context.with(this.context, fn) : fn()
  }

  /** Starts the span of one step attempt; the returned function ends it. */
  step(key: string, name: string, attempt: number): StepTelemetry {
    const span = tracer().startSpan(`step ${name}`, undefined, this.context)
    if (span.isRecording()) {
      span.setAttributes({
        'zart.workflow': this.execution.workflow,
        'zart.execution.id': this.execution.id,
        'zart.step': key,
        'zart.attempt': attempt,
      })
    }
    return new StepTelemetry(span, this.execution.workflow, name, this.metrics)
  }

  /**
   * The run ended: `status` is the execution's status after it (or why the run stopped:
   * `suspended`, `lease_lost`, `shutdown`...); `errorJson` the error it stored, if any (a
   * failure, or a failed run handed back to be retried), recorded on the span.
   */
  end(status: string, errorJson?: string | null): void {
    if (this.ended) return
    this.ended = true
    if (this.span.isRecording()) this.span.setAttribute('zart.status', status)
    if (status !== 'completed' && errorJson && this.span.isRecording()) {
      const error = storedError(errorJson)
      this.span.recordException(error)
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: error.message })
    }
    if (status === 'completed' || status === 'failed' || status === 'timed_out') {
      this.metrics?.executionFinished(this.execution.workflow, status)
    }
    this.span.end()
  }
}

/** The span of one step attempt, and the time it took for the step duration histogram. */
export class StepTelemetry {
  private readonly started: number

  constructor(
    private readonly span: Span,
    private readonly workflow: string,
    private readonly name: string,
    private readonly metrics: EngineMetrics | undefined,
  ) {
    this.started = metrics ? performance.now() : 0
  }

  /** Runs the step function with this attempt's span active (for spans the step makes). */
  within<T>(fn: () => T): T {
    return this.span.isRecording() ? context.with(trace.setSpan(context.active(), this.span), fn) : fn()
  }

  /**
   * The attempt ended: `completed`, `retrying` or `failed`, with the error when it threw;
   * `halted` when the run was stopped from outside meanwhile (cancel, lost lease, shutdown).
   */
  end(status: 'completed' | 'retrying' | 'failed' | 'halted', error?: unknown): void {
    if (this.span.isRecording()) {
      this.span.setAttribute('zart.status', status)
      if (error !== undefined) fail(this.span, error)
    }
    this.span.end()
    this.metrics?.stepAttempt(this.workflow, this.name, status, (performance.now() - this.started) / 1000)
  }
}

function fail(span: Span, error: unknown): void {
  const exception = error instanceof Error ? error : new Error(String(error))
  span.recordException(exception)
  span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message })
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
