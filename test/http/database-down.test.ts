import { afterEach, describe, expect, it } from 'vitest'
import { createZart, defineWorkflow, openStore, type Zart } from '../../src/index.ts'
import { flakyStore } from '../fixtures/flaky-store.ts'
import { createRestApi } from '../../src/http/rest/index.ts'
import { startHttpServer, type HttpServer } from '../../src/http/server.ts'
import { toolError } from '../../src/mcp/errors.ts'
import { silentLogger } from '../../src/engine/logger.ts'
import { runZart } from '../fixtures/zart-process.ts'
import { tempDb } from '../helpers.ts'

let zart: Zart | undefined
let http: HttpServer | undefined
afterEach(async () => {
  await http?.close()
  await zart?.close()
  http = zart = undefined
})

describe('when the database does not answer', () => {
  it('REST answers 503 DATABASE_UNAVAILABLE with Retry-After, then works again once it is back', async () => {
    const db = flakyStore(await openStore(tempDb()))
    const quick = defineWorkflow({ name: 'quick' }, async () => 'ok')
    zart = await createZart({ db: db.store, workflows: [quick] })
    http = await startHttpServer({ zart, port: 0, routes: [['/api/v1', createRestApi(zart).router]] })
    const { execution_id } = await zart.schedule('quick')

    db.setDown(true)
    const down = await fetch(`${http.url}/api/v1/executions/${execution_id}`)
    expect(down.status).toBe(503)
    expect(down.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(down.headers.get('retry-after')).toBe('2')
    const problem = (await down.json()) as { code: string; detail: string }
    expect(problem.code).toBe('DATABASE_UNAVAILABLE')
    expect(problem.detail).toMatch(/did not answer \(ECONNREFUSED\).*retry/)
    expect(JSON.stringify(problem)).not.toMatch(/at .*\.ts:\d+/) // no stack trace

    db.setDown(false)
    const back = await fetch(`${http.url}/api/v1/executions/${execution_id}`)
    expect(back.status).toBe(200)
  })

  it('MCP tools answer an isError result with the same code, not an internal error', () => {
    const reset = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })
    const result = toolError(reset, silentLogger)
    expect(result.isError).toBe(true)
    expect(result.structuredContent).toMatchObject({ error: { code: 'DATABASE_UNAVAILABLE' } })
  })

  it('the CLI exits 1 with one line saying the database did not answer', async () => {
    for (const url of ['postgres://postgres@127.0.0.1:1/zart', 'mysql://root@127.0.0.1:1/zart']) {
      const run = await runZart(['--db', url, 'status', 'some-id'])
      expect(run.code, run.stderr).toBe(1)
      expect(run.stderr).toMatch(/^error: the database did not answer \(ECONNREFUSED\): check that it is running/)
      expect(run.stderr.trim().split('\n')).toHaveLength(1)
    }
  })
})
