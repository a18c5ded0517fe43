import { afterEach, describe, expect, it } from 'vitest'
import { createZart } from '../../src/index.ts'
import { PrometheusMetrics } from '../../src/metrics/prometheus.ts'
import { runZart, startWorker, type BackgroundWorker } from '../fixtures/zart-process.ts'
import { collect, echo } from '../http/fixtures/workflows.ts'
import { tempDb } from '../helpers.ts'
import { api, eventually, serve, WORKFLOWS, type Served } from '../http/helpers.ts'
import { zartArgs } from '../mcp/helpers.ts'

/*
 * Prometheus metrics of real processes: `zart serve` at /metrics behind its token, and
 * `zart worker --metrics-port`, scraped after they ran workflows.
 */

let served: Served | undefined
let worker: BackgroundWorker | undefined
afterEach(async () => {
  await served?.stop()
  await worker?.stop()
  served = worker = undefined
})

/** The value of one sample in a scrape, e.g. `zart_backlog_executions` or `name{labels}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('metrics', () => {
  it('zart serve: /metrics counts what ran, reads the queue, and wants the token', async () => {
    served = await serve(tempDb(), ['--token', 'sekret'])
    const auth = { authorization: 'Bearer sekret' }
    const scheduled = await api(served.url, 'POST', '/executions', {
      headers: auth,
      json: { workflow: 'echo', data: { n: 1 } },
    })
    expect(scheduled.status).toBe(201)
    const id = scheduled.body.execution_id as string
    await eventually(async () => {
      const status = await api(served!.url, 'GET', `/executions/${id}`, { headers: auth })
      return status.body.status === 'completed' ? true : undefined
    })
    // Waits for an event: one waiting execution.
    await api(served.url, 'POST', '/executions', { headers: auth, json: { workflow: 'collect', data: { count: 1 } } })

    expect((await fetch(`${served.url}/metrics`)).status).toBe(401)
    expect((await fetch(`${served.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401)
    const text = await eventually(async () => {
      const response = await fetch(`${served!.url}/metrics`, { headers: auth })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
      const body = await response.text()
      return sample(body, 'zart_waiting_executions{workflow="collect"}') === 1 ? body : undefined
    })
    expect(sample(text, 'zart_executions_scheduled_total{workflow="echo"}')).toBe(1)
    expect(sample(text, 'zart_executions_started_total{workflow="echo"}')).toBe(1)
    expect(sample(text, 'zart_executions_finished_total{workflow="echo",status="completed"}')).toBe(1)
    expect(sample(text, 'zart_step_duration_seconds_count{workflow="echo",step="echo",status="completed"}')).toBe(1)
    // Per workflow only: no unlabelled total (sum the label). A known workflow with nothing due reads 0.
    expect(sample(text, 'zart_backlog_executions{workflow="echo"}')).toBe(0)
    expect(sample(text, 'zart_waiting_executions{workflow="echo"}')).toBe(0)
    expect(sample(text, 'zart_backlog_executions')).toBeUndefined()
    expect(sample(text, 'zart_commit_group_size_count')).toBeGreaterThan(0)
    expect(text).toContain('zart_claim_latency_seconds_bucket')
    expect(text).toContain('process_cpu_seconds_total')
  })

  it('zart worker --metrics-port: serves /metrics on 127.0.0.1 for what it ran', async () => {
    const db = tempDb()
    const done = await runZart([...zartArgs(db, WORKFLOWS), 'schedule', 'echo', '--data', '{"n":2}', '--json'])
    expect(done.code).toBe(0)
    worker = startWorker([...zartArgs(db, WORKFLOWS), '--metrics-port', '0'])
    await worker.started()
    const url = /"metrics":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(worker.stderr())?.[1]
    expect(url).toBeDefined()
    const text = await eventually(async () => {
      const body = await (await fetch(url!)).text()
      return sample(body, 'zart_executions_finished_total{workflow="echo",status="completed"}') === 1 ? body : undefined
    })
    expect(sample(text, 'zart_executions_started_total{workflow="echo"}')).toBe(1)
    expect(sample(text, 'zart_backlog_executions{workflow="echo"}')).toBe(0)
    expect((await fetch(url!.replace('/metrics', '/other'))).status).toBe(404)
  })

  it('queue gauges: one series per workflow, none left stale once its backlog drains', async () => {
    const db = tempDb()
    // Schedules both workflows and runs no worker: everything it schedules stays due.
    const scheduler = await createZart({ workflows: [echo, collect], db })
    // Scraped through a client that knows echo only: collect is in the database all the same.
    const metrics = new PrometheusMetrics()
    const watched = await createZart({ workflows: [echo], db })
    metrics.watch(watched)
    try {
      const echoes = [await scheduler.schedule('echo', 1), await scheduler.schedule('echo', 2)]
      const collecting = await scheduler.schedule('collect', { count: 1 })
      const before = await metrics.scrape()
      expect(sample(before, 'zart_backlog_executions{workflow="echo"}')).toBe(2)
      expect(sample(before, 'zart_backlog_executions{workflow="collect"}')).toBe(1)
      expect(sample(before, 'zart_backlog_oldest_seconds{workflow="collect"}')).toBeGreaterThanOrEqual(0)
      expect(sample(before, 'zart_waiting_executions{workflow="collect"}')).toBe(0)
      expect(sample(before, 'zart_backlog_executions')).toBeUndefined()

      for (const { execution_id } of [...echoes, collecting]) await scheduler.cancel(execution_id)
      // The next scrape past the depth cache: echo, which this client knows, reads 0; collect is gone.
      const after = await eventually(async () => {
        const body = await metrics.scrape()
        return sample(body, 'zart_backlog_executions{workflow="echo"}') === 0 ? body : undefined
      })
      expect(sample(after, 'zart_backlog_oldest_seconds{workflow="echo"}')).toBe(0)
      expect(after).not.toContain('workflow="collect"')
    } finally {
      await watched.close()
      await scheduler.close()
    }
  })

  it('refuses a bad --metrics-port, and metrics off loopback without a token', async () => {
    const run = await runZart(['--db', tempDb(), 'worker', '--metrics-port', 'ninety'])
    expect(run.code).not.toBe(0)
    expect(run.stderr).toMatch(/--metrics-port.*expected a port number from 0 to 65535/s)
    const open = await runZart(['--db', tempDb(), 'worker', '--metrics-port', '0', '--metrics-host', '0.0.0.0'])
    expect(open.code).not.toBe(0)
    expect(open.stderr).toMatch(/refusing to serve metrics on 0\.0\.0\.0 without a token/)
  })
})
