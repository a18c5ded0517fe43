import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createZart, defineWorkflow, type Zart } from '../../src/index.ts'
import { createRestApi } from '../../src/http/rest/index.ts'
import { startHttpServer, type HttpServer } from '../../src/http/server.ts'
import { createMcpServer } from '../../src/mcp/create-server.ts'

/*
 * The trace context of a schedule call, sent the way each door takes it (a `traceparent`
 * header on REST, `_meta.traceparent` on MCP), becomes the parent of the execution's spans.
 */

const exporter = new InMemorySpanExporter()
beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
})
afterAll(() => {
  trace.disable()
  context.disable()
})
beforeEach(() => exporter.reset())

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const PARENT = '00f067aa0ba902b7'
const TRACEPARENT = `00-${TRACE_ID}-${PARENT}-01`

const echo = defineWorkflow({ name: 'echo' }, async (ctx, input: unknown) => ctx.step('echo', () => input))

let zart: Zart | undefined
let http: HttpServer | undefined
afterEach(async () => {
  await http?.close()
  await zart?.close()
  http = zart = undefined
})

/** The schedule span and the run span of the one execution scheduled. */
async function spansOf(z: Zart) {
  await z.drain()
  const spans = exporter.getFinishedSpans()
  const schedule = spans.find((s) => s.name === 'schedule echo')
  const run = spans.find((s) => s.name === 'run echo')
  return { schedule, run }
}

describe('trace context at the doors', () => {
  it('REST: the traceparent header is the parent; a malformed one is ignored', async () => {
    zart = await createZart({ db: 'sqlite::memory:', workflows: [echo] })
    http = await startHttpServer({ zart, port: 0, routes: [['/api/v1', createRestApi(zart).router]] })
    const post = (traceparent: string) =>
      fetch(`${http!.url}/api/v1/executions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent },
        body: JSON.stringify({ workflow: 'echo', data: { n: 1 } }),
      })
    expect((await post(TRACEPARENT)).status).toBe(201)
    const { schedule, run } = await spansOf(zart)
    expect(schedule?.spanContext().traceId).toBe(TRACE_ID)
    expect(schedule?.parentSpanContext?.spanId).toBe(PARENT)
    expect(run?.spanContext().traceId).toBe(TRACE_ID)
    expect(run?.parentSpanContext?.spanId).toBe(schedule?.spanContext().spanId)

    const doc = (await (await fetch(`${http.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, { post: { parameters: { name: string; in: string }[] } }>
    }
    expect(doc.paths['/executions']?.post.parameters).toContainEqual(
      expect.objectContaining({ name: 'Traceparent', in: 'header' }),
    )

    exporter.reset()
    expect((await post('00-not-a-trace')).status).toBe(201)
    const ignored = await spansOf(zart)
    expect(ignored.schedule?.parentSpanContext).toBeUndefined()
    expect(ignored.schedule?.spanContext().traceId).not.toBe(TRACE_ID)
  })

  it('MCP: _meta.traceparent on the schedule tool call is the parent', async () => {
    zart = await createZart({ db: 'sqlite::memory:', workflows: [echo] })
    const [serverSide, clientSide] = InMemoryTransport.createLinkedPair()
    await createMcpServer(zart).connect(serverSide)
    const client = new Client({ name: 'zart-test', version: '1.0.0' })
    await client.connect(clientSide)
    const result = await client.callTool({
      name: 'schedule',
      arguments: { workflow: 'echo', data: { n: 1 } },
      _meta: { traceparent: TRACEPARENT },
    })
    expect(result.isError).toBeFalsy()
    const { schedule, run } = await spansOf(zart)
    expect(schedule?.parentSpanContext?.spanId).toBe(PARENT)
    expect(run?.spanContext().traceId).toBe(TRACE_ID)
    await client.close()
  })
})
