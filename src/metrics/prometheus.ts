import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { EngineMetrics, QueueDepthView, WorkflowDepthView, Zart } from '../client/zart.ts'

/** Seconds: from a quick step or claim to a long one. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]
/** Writes per group commit: one, or a burst of executions committing at once. */
const GROUP_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
/** Scrapes closer than this share one queue-depth query. */
const DEPTH_CACHE_MS = 500

/**
 * The Prometheus metrics of one zart process: its own registry (never prom-client's
 * global one, so several clients in one process stay apart), the engine's counters and
 * histograms, the queue gauges read from the database at scrape time, and Node's
 * process metrics. Pass `sink` as `ZartOptions.metrics`, then `watch` the client.
 *
 * @example
 * const metrics = new PrometheusMetrics()
 * const zart = await createZart({ workflows, metrics: metrics.sink })
 * metrics.watch(zart)
 * const text = await metrics.scrape()
 */
export class PrometheusMetrics {
  readonly registry = new Registry()
  readonly sink: EngineMetrics
  private zart: Zart | null = null
  private depth: { at: number; value: Promise<QueueDepthView> } | null = null

  constructor() {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry })
    const scheduled = new Counter({
      name: 'zart_executions_scheduled_total',
      help: 'Executions created by schedule calls in this process',
      labelNames: ['workflow'],
      registers,
    })
    const started = new Counter({
      name: 'zart_executions_started_total',
      help: 'Executions whose first run this process started',
      labelNames: ['workflow'],
      registers,
    })
    const finished = new Counter({
      name: 'zart_executions_finished_total',
      help: 'Executions this process brought to a terminal status (completed, failed, timed_out, cancelled)',
      labelNames: ['workflow', 'status'],
      registers,
    })
    const steps = new Histogram({
      name: 'zart_step_duration_seconds',
      help: 'Duration of step attempts run here, by outcome (completed, retrying, failed, halted)',
      labelNames: ['workflow', 'step', 'status'],
      buckets: DURATION_BUCKETS,
      registers,
    })
    const claims = new Histogram({
      name: 'zart_claim_latency_seconds',
      help: "Time a worker's claim of due executions takes at the database",
      buckets: DURATION_BUCKETS,
      registers,
    })
    const claimed = new Counter({
      name: 'zart_claimed_executions_total',
      help: 'Executions claimed by the worker of this process (each run of an execution counts)',
      registers,
    })
    const groups = new Histogram({
      name: 'zart_commit_group_size',
      help: 'Fenced writes committed together in one transaction (group commit)',
      buckets: GROUP_BUCKETS,
      registers,
    })
    // Per workflow, like the counters: sum the label for the whole database. Each scrape
    // starts from no series (prom-client keeps a label's last value until reset), so a
    // workflow whose backlog drained reads 0 if this process knows it, else is absent.
    const depth = () => this.queueDepth()
    const perWorkflow = (name: string, help: string, read: (w: WorkflowDepthView) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['workflow'],
        registers,
        async collect() {
          const value = await depth()
          this.reset()
          if (!value) return
          for (const workflow of value.known) this.set({ workflow }, 0)
          for (const w of value.by_workflow) this.set({ workflow: w.workflow }, read(w))
        },
      })
    perWorkflow(
      'zart_backlog_executions',
      'Executions due now that no worker holds (not paused), per workflow, in the whole database',
      (w) => w.due,
    )
    perWorkflow(
      'zart_backlog_oldest_seconds',
      'How long the oldest due-but-unclaimed execution of the workflow has been due (0 when none is)',
      (w) => w.oldest_due_seconds,
    )
    perWorkflow(
      'zart_waiting_executions',
      'Executions suspended on an event, a sleep or a timeout, per workflow, in the whole database',
      (w) => w.waiting,
    )
    this.sink = {
      executionScheduled: (workflow) => scheduled.inc({ workflow }),
      executionStarted: (workflow) => started.inc({ workflow }),
      executionFinished: (workflow, status) => finished.inc({ workflow, status }),
      stepAttempt: (workflow, step, status, seconds) => steps.observe({ workflow, step, status }, seconds),
      claim: (seconds, count) => {
        claims.observe(seconds)
        if (count > 0) claimed.inc(count)
      },
      commitGroup: (size) => groups.observe(size),
    }
  }

  /** Reads the queue gauges from this client's database at each scrape. */
  watch(zart: Zart): void {
    this.zart = zart
  }

  /** The metrics in Prometheus's text format. */
  scrape(): Promise<string> {
    return this.registry.metrics()
  }

  /** The content type of `scrape()`'s answer. */
  get contentType(): string {
    return this.registry.contentType
  }

  /**
   * One queue-depth query per scrape (the three gauges share it), with the workflows this
   * client defines; none when the database is down.
   */
  private async queueDepth(): Promise<(QueueDepthView & { known: string[] }) | undefined> {
    const zart = this.zart
    if (!zart) return undefined
    const now = Date.now()
    if (!this.depth || now - this.depth.at > DEPTH_CACHE_MS) this.depth = { at: now, value: zart.queueDepth() }
    // A database that does not answer leaves the gauges out of this scrape rather than failing it.
    const value = await this.depth.value.catch(() => undefined)
    return value && { ...value, known: zart.workflows().map((w) => w.name) }
  }
}
