import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createZart, type Zart } from '../../src/index.ts'
import { readyHandler } from '../../src/http/rest/index.ts'
import { startHttpServer, type HttpServer } from '../../src/http/server.ts'
import { tempDir } from '../helpers.ts'
import { dump } from './helpers.ts'

let zart: Zart | undefined
let http: HttpServer | undefined

afterEach(async () => {
  await http?.close()
  await zart?.close()
  http = zart = undefined
})

// `zart serve` always migrates as it opens the database, so the unmigrated case is built
// in process: the client opened without migrating, behind the same server and probe.
describe('/readyz on a database that has not been migrated', () => {
  it('answers 503 naming the pending migrations, and leaves the database as it was', async () => {
    const path = join(tempDir(), 'zart.db')
    zart = await createZart({ db: `sqlite:${path}`, migrate: false })
    http = await startHttpServer({ zart, port: 0, routes: [['/readyz', readyHandler(zart)]] })

    const res = await fetch(`${http.url}/readyz`)
    expect(res.status).toBe(503)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    const body = (await res.json()) as { code: string; cause: string; detail: string }
    expect(body).toMatchObject({ code: 'NOT_READY', cause: 'MIGRATIONS_PENDING' })
    expect(body.detail).toMatch(/0001_\w+/)
    expect(body.detail).toMatch(/run zart migrate/)
    expect(dump(path)).toEqual({}) // not even the migrations table

    // Once migrated by hand, the same probe reports ready (past its one-second reuse).
    const { applied } = await zart.migrate()
    expect(applied.length).toBeGreaterThan(0)
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    const ready = await fetch(`${http.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'sqlite', migration: applied.at(-1) })
  })
})
