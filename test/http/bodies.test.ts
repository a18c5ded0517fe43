import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { api, serveOnFreshDb } from './helpers.ts'

/*
 * The REST API reads requests without express: bodies as express.json() read them
 * (encodings, charset, byte-order mark) and paths as express matched them (HEAD as GET,
 * a trailing slash, any letter case).
 */
describe('REST request reading', () => {
  const doors = serveOnFreshDb()
  const json = { 'content-type': 'application/json' }

  it('reads a gzip-encoded body, and one that starts with a byte-order mark', async () => {
    const body = JSON.stringify({ workflow: 'echo', id: 'gz-1', data: { zipped: true } })
    const zipped = await api(doors.served.url, 'POST', '/executions', {
      raw: gzipSync(body),
      headers: { ...json, 'content-encoding': 'gzip' },
    })
    expect(zipped.status, zipped.text).toBe(201)
    const marked = await api(doors.served.url, 'POST', '/executions', {
      raw: `\uFEFF${JSON.stringify({ workflow: 'echo', id: 'bom-1', data: 1 })}`,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    })
    expect(marked.status, marked.text).toBe(201)
  })

  it('reads UTF-16, and refuses a charset that is not Unicode and an unknown encoding with 415', async () => {
    const utf16 = await api(doors.served.url, 'POST', '/executions', {
      raw: Buffer.from(JSON.stringify({ workflow: 'echo', id: 'utf16-1', data: 'ü' }), 'utf16le'),
      headers: { 'content-type': 'application/json; charset=utf-16le' },
    })
    expect(utf16.status, utf16.text).toBe(201)
    const latin = await api(doors.served.url, 'POST', '/executions', {
      raw: Buffer.from(JSON.stringify({ workflow: 'echo' }), 'latin1'),
      headers: { 'content-type': 'application/json; charset=iso-8859-1' },
    })
    expect([latin.status, latin.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE'])
    const packed = await api(doors.served.url, 'POST', '/executions', {
      raw: 'xx',
      headers: { ...json, 'content-encoding': 'zstd-ish' },
    })
    expect([packed.status, packed.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE'])
  })

  it('answers HEAD as GET without a body, and matches a trailing slash and any case', async () => {
    await api(doors.served.url, 'POST', '/executions', { json: { workflow: 'echo', id: 'path-1', data: 2 } })
    const head = await api(doors.served.url, 'HEAD', '/executions/path-1')
    expect([head.status, head.text]).toEqual([200, ''])
    const slash = await api(doors.served.url, 'GET', '/executions/path-1/')
    expect([slash.status, slash.body.id]).toEqual([200, 'path-1'])
    const upper = await api(doors.served.url, 'GET', '/Executions/path-1')
    expect([upper.status, upper.body.id]).toEqual([200, 'path-1'])
  })

  it('answers 405 with Allow for a known path and another method, 404 elsewhere', async () => {
    const wrong = await api(doors.served.url, 'DELETE', '/executions/path-1')
    expect([wrong.status, wrong.body.code, wrong.headers.get('allow')]).toEqual([405, 'METHOD_NOT_ALLOWED', 'GET'])
    const nowhere = await api(doors.served.url, 'GET', '/nowhere')
    expect([nowhere.status, nowhere.body.code]).toEqual([404, 'ROUTE_NOT_FOUND'])
  })
})
