import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { tracesWanted } from '../../src/cli/tracing.ts'
import { runZart, startWorker, type BackgroundWorker } from '../fixtures/zart-process.ts'
import { tempDb } from '../helpers.ts'
import { eventually, WORKFLOWS } from '../http/helpers.ts'
import { zartArgs } from '../mcp/helpers.ts'

let worker: BackgroundWorker | undefined
let collector: Server | undefined
afterEach(async () => {
  await worker?.stop()
  await new Promise((resolve) => (collector ? collector.close(resolve) : resolve(undefined)))
  worker = collector = undefined
})

describe('trace export from the CLI', () => {
  it('is on only when the OTEL_* variables ask for it', () => {
    expect(tracesWanted({})).toBe(false)
    expect(tracesWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true)
    expect(tracesWanted({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true)
    expect(tracesWanted({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe(false)
    expect(tracesWanted({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toBe(false)
    expect(() => tracesWanted({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/not supported: use otlp/)
    expect(() => tracesWanted({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/grpc/)
  })

  it('zart worker sends its spans over OTLP/HTTP, in the trace TRACEPARENT gave zart schedule', async () => {
    const bodies: string[] = []
    collector = createServer((req, res) => {
      let body = ''
      req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
      req.on('end', () => {
        if (req.url === '/v1/traces') bodies.push(body)
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      })
    })
    await new Promise<void>((resolve) => collector!.listen(0, '127.0.0.1', resolve))
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`
    const db = tempDb()
    const traceId = '5bf92f3577b34da6a3ce929d0e0e4736'
    const scheduled = await runZart([...zartArgs(db, WORKFLOWS), 'schedule', 'echo', '--data', '{"n":3}'], {
      env: { TRACEPARENT: `00-${traceId}-00f067aa0ba902b7-01` },
    })
    expect(scheduled.code).toBe(0)
    worker = startWorker(zartArgs(db, WORKFLOWS), {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_SERVICE_NAME: 'zart-test' },
    })
    await worker.started()
    const sent = await eventually(async () => {
      const all = bodies.join('\n')
      return all.includes('"run echo"') && all.includes('"step echo"') ? all : undefined
    })
    expect(sent).toContain(traceId)
    expect(sent).toContain('zart-test')
  })
})
