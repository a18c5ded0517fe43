import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { suiteDir } from '../mcp/helpers.ts'
import { api, dump, serve, type ApiOptions, type ApiResponse, type Served } from './helpers.ts'

const CLIENTS = 30
const EVENTS = 3

interface Row {
  id: string
  status: string
  lease_owner: string | null
}

describe('graceful shutdown under load, then restart', () => {
  it('loses nothing and leaves nothing claimed', async () => {
    const path = join(suiteDir(), 'zart.db')
    const db = `sqlite:${path}`
    let server: Served | null = await serve(db, ['--grace', '5s'])
    let base = server.url
    const unexpected: string[] = []
    let refused = 0

    /**
     * Sends a request until it gets an answer from a running server: a refused or reset
     * connection, or 503 while shutting down, is retried (the operations are idempotent
     * by id and event id); any other status must be one of `ok`.
     */
    async function send(method: string, route: string, ok: number[], options: ApiOptions = {}): Promise<ApiResponse> {
      for (;;) {
        let res: ApiResponse | null = null
        try {
          res = await api(base, method, route, options)
        } catch {
          refused++
        }
        if (res && res.status !== 503) {
          if (!ok.includes(res.status)) unexpected.push(`${method} ${route}: ${res.status} ${res.text}`)
          return res
        }
        if (res) refused++
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }

    async function client(i: number): Promise<void> {
      const id = `sd-${i}`
      await send('POST', '/executions', [200, 201], {
        json: { workflow: 'collect', id, data: { count: EVENTS, work_ms: 30 } },
      })
      for (let n = 0; n < EVENTS; n++) {
        await send('POST', `/events/${id}/item?event_id=${id}-${n}`, [202], { json: { n } })
        await send('GET', `/executions/${id}/wait?timeout=0.3`, [200])
      }
    }

    const load = Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)))
    await new Promise((resolve) => setTimeout(resolve, 700))
    const code = await server.stop()
    expect(code).toBe(0)
    expect(server.stderr()).not.toMatch(/"level":"error"/)
    server = null
    // Nothing left claimed: every lease was handed back before the process ended.
    const after = dump(path).zart_executions as Row[]
    expect(after.filter((r) => r.status === 'running' || r.lease_owner !== null)).toEqual([])

    server = await serve(db)
    base = server.url
    await load
    for (let i = 0; i < CLIENTS; i++) {
      const done = await send('GET', `/executions/sd-${i}/wait?timeout=20`, [200])
      expect(done.body, `sd-${i}`).toMatchObject({ status: 'completed', output: { values: [0, 1, 2] } })
    }
    expect(unexpected).toEqual([])
    expect(await server.stop()).toBe(0)
    const rows = dump(path)
    expect((rows.zart_executions as Row[]).every((r) => r.status === 'completed' && r.lease_owner === null)).toBe(true)
    expect(rows.zart_events).toHaveLength(CLIENTS * EVENTS) // each event stored once, none lost
    expect(refused).toBeGreaterThan(0) // the shutdown really happened under load
  })
})
