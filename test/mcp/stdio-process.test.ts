import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { ROOT, ZART_BIN } from '../fixtures/zart-process.ts'
import { tempDir } from '../helpers.ts'
import { dbIn, zartEnv } from './helpers.ts'

/** `zart mcp` as a bare process: stdout must carry JSON-RPC and nothing else. */
function spawnMcp() {
  const child = spawn(process.execPath, [ZART_BIN, '--db', dbIn(tempDir()), 'mcp'], {
    cwd: ROOT,
    env: zartEnv({ ZART_LOG_LEVEL: 'debug' }), // as chatty as it gets: none of it may reach stdout
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  }
  child.stdin.write(`${JSON.stringify(initialize)}\n`)
  const answered = new Promise<void>((resolve) => child.stdout.on('data', () => stdout.includes('\n') && resolve()))
  return { child, exited, answered, out: () => stdout, err: () => stderr }
}

describe('the zart mcp process', () => {
  it('writes only JSON-RPC on stdout, logs on stderr, and exits 0 when stdin ends', async () => {
    const mcp = spawnMcp()
    await mcp.answered
    mcp.child.stdin.end()
    expect(await mcp.exited).toBe(0)
    const lines = mcp.out().trim().split('\n')
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' })
    expect(JSON.parse(lines[0]!).result.serverInfo.name).toBe('zart')
    expect(mcp.err()).toContain('mcp server ready on stdio')
  })

  it('exits 0 on SIGTERM', async () => {
    const mcp = spawnMcp()
    await mcp.answered
    mcp.child.kill('SIGTERM')
    expect(await mcp.exited).toBe(0)
    expect(mcp.err()).toContain('"reason":"SIGTERM"')
  })
})
