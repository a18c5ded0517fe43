import { allowedHostnames } from '../../src/mcp/http.ts'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runZart } from '../fixtures/zart-process.ts'
import { dbIn, suiteDir, zartArgs } from '../mcp/helpers.ts'
import { api, serve, WORKFLOWS, type Served } from './helpers.ts'

const TOKEN = 'test-token-with-enough-entropy-3f9c'
let served: Served
let url: string
let db: string

beforeAll(async () => {
  db = dbIn(suiteDir())
  // The token comes from the environment, as a service manager would set it.
  served = await serve(db, [], { ZART_TOKEN: TOKEN })
  url = served.url
})
afterAll(async () => {
  expect(await served?.stop()).toBe(0)
})

/** A raw request, so that Host and Origin can be anything (fetch will not send a Host of ours). */
function raw(
  path: string,
  headers: Record<string, string>,
  method = 'GET',
  body?: string,
): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (c: string) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('bearer token on a loopback server', () => {
  it('refuses REST requests with no token or a wrong one, in constant-time compare', async () => {
    const none = await api(url, 'GET', '/workflows')
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect(none.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(none.body).toMatchObject({ status: 401, code: 'UNAUTHORIZED' })
    for (const header of [
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Basic ${TOKEN}`,
      'Bearer ',
      TOKEN,
      `bearer  ${TOKEN} extra`,
    ]) {
      expect((await api(url, 'GET', '/workflows', { headers: { authorization: header } })).status, header).toBe(401)
    }
    const post = await api(url, 'POST', '/executions', { json: { workflow: 'quick', id: 'auth-1' } })
    expect(post.status).toBe(401)
    const ok = await api(url, 'GET', '/executions/auth-1', { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(ok.status).toBe(404) // the unauthenticated schedule never happened
  })

  it('lets the right token through, on REST, /readyz and MCP alike', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` }
    const res = await api(url, 'POST', '/executions', { json: { workflow: 'quick', id: 'auth-2' }, headers: auth })
    expect(res.status).toBe(201)
    expect((await fetch(`${url}/readyz`)).status).toBe(401)
    expect((await fetch(`${url}/readyz`, { headers: auth })).status).toBe(200)
    expect((await fetch(`${url}/mcp`, { method: 'POST' })).status).toBe(401)
  })

  it('keeps /healthz open for probes', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
  })

  it('refuses a foreign Host header (DNS rebinding) and a foreign Origin on the REST API', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` }
    const port = new URL(url).port
    expect((await raw('/api/v1/workflows', { ...auth, Host: `localhost:${port}` })).status).toBe(200)
    expect((await raw('/api/v1/workflows', { ...auth, Host: `evil.example:${port}` })).status).toBe(403)
    expect((await raw('/api/v1/workflows', { ...auth, Origin: 'https://evil.example' })).status).toBe(403)
    expect((await raw('/api/v1/workflows', { ...auth, Origin: `http://127.0.0.1:${port}` })).status).toBe(200)
  })

  it('answers a foreign Host with a 403 problem, like a foreign Origin, on MCP and REST alike', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` }
    const port = new URL(url).port
    const origin = await raw('/api/v1/workflows', { ...auth, Origin: 'https://evil.example' })
    const originKeys = Object.keys(JSON.parse(origin.body) as object).sort()
    // Requests that would each be served with the right Host: the Host alone is refused.
    const initialize = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    })
    const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
    const requests: [method: string, path: string, body?: string][] = [
      ['POST', '/mcp', initialize],
      ['GET', '/mcp'],
      ['GET', '/sse'],
      ['POST', '/messages?sessionId=any', initialize],
      ['GET', '/api/v1/workflows'],
      ['POST', '/api/v1/executions', JSON.stringify({ workflow: 'quick', id: 'auth-host' })],
    ]
    for (const [method, path, body] of requests) {
      const res = await raw(path, { ...auth, ...json, Host: `evil.example:${port}` }, method, body)
      expect(res.status, `${method} ${path}`).toBe(403)
      expect(res.type, `${method} ${path}`).toMatch(/^application\/problem\+json/)
      const problem = JSON.parse(res.body) as Record<string, unknown>
      expect(problem, `${method} ${path}`).toMatchObject({
        type: 'urn:zart:problem:forbidden-host',
        status: 403,
        code: 'FORBIDDEN_HOST',
      })
      expect(problem.detail).toMatch(/--allow-host/)
      expect(Object.keys(problem).sort()).toEqual(originKeys)
    }
    const never = await api(url, 'GET', '/executions/auth-host', { headers: auth })
    expect(never.status).toBe(404) // the refused schedule never happened
  })
})

describe('binding beyond loopback', () => {
  it('refuses to start without a token', async () => {
    const run = await runZart([...zartArgs(db, WORKFLOWS), 'serve', '--host', '0.0.0.0', '--port', '0'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without a token/)
    expect(run.stdout).toBe('')
  })
})

describe('allowed host names', () => {
  it('compares --allow-host names without regard to case, as Host headers are', () => {
    expect(allowedHostnames('127.0.0.1', ['Example.COM'])).toContain('example.com')
    expect(allowedHostnames('0.0.0.0')).toBeNull() // bound beyond loopback with no list: nothing to check
  })
})
