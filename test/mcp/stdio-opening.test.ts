import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ROOT, ZART_BIN } from '../fixtures/zart-process.ts'
import { tempDir } from '../helpers.ts'
import { dbIn, zartArgs, zartEnv, type LooseJson } from './helpers.ts'

/** Workflows whose loading waits for SIGUSR2: the client stays opening until the test says. */
const HELD_WORKFLOWS = fileURLToPath(new URL('./fixtures/held-workflows.ts', import.meta.url))

/** `zart mcp` spoken to line by line, so that the test decides when its client finishes opening. */
function spawnHeld(db: string) {
  const child = spawn(process.execPath, [ZART_BIN, ...zartArgs(db, [HELD_WORKFLOWS]), 'mcp'], {
    cwd: ROOT,
    env: zartEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  const answers = new Map<number, LooseJson>()
  const waiting = new Map<number, (answer: LooseJson) => void>()
  let held!: () => void
  const isHeld = new Promise<void>((resolve) => (held = resolve))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
    if (stderr.includes('held\n')) held()
  })
  let buffered = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const message = JSON.parse(buffered.slice(0, end)) as LooseJson
      buffered = buffered.slice(end + 1)
      if (typeof message.id !== 'number') continue
      answers.set(message.id, message)
      waiting.get(message.id)?.(message)
    }
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let nextId = 1
  const send = (message: LooseJson) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`)
  /** Sends a request now; the promise is its answer. */
  const request = (method: string, params: LooseJson = {}): Promise<LooseJson> => {
    const id = nextId++
    send({ id, method, params })
    return new Promise((resolve) => {
      const answer = answers.get(id)
      if (answer) resolve(answer)
      else waiting.set(id, resolve)
    })
  }
  const initialize = async () => {
    const answer = await request('initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'raw', version: '1' },
    })
    send({ method: 'notifications/initialized' })
    return answer
  }
  return { child, request, initialize, isHeld, exited, err: () => stderr }
}

describe('zart mcp while its client is still opening', () => {
  it('answers initialize and tools/list at once; a tool call waits for the client, then is answered', async () => {
    const mcp = spawnHeld(dbIn(tempDir()))
    expect((await mcp.initialize()).result.serverInfo.name).toBe('zart')
    const listed = await mcp.request('tools/list')
    expect(listed.result.tools.map((t: { name: string }) => t.name)).toEqual(
      expect.arrayContaining(['schedule', 'status', 'list_workflows', 'run_workflow']),
    )
    await mcp.isHeld // the workflows are still loading: everything so far was answered without them

    const call = mcp.request('tools/call', { name: 'list_workflows', arguments: {} })
    await mcp.request('ping') // answered after the call was read: the call now waits for the client
    mcp.child.kill('SIGUSR2')
    const { result } = await call
    expect(result.isError).toBeFalsy()
    expect(result.structuredContent.workflows.map((w: { name: string }) => w.name).sort()).toEqual([
      'approval-flow',
      'quick',
    ])

    mcp.child.stdin.end()
    expect(await mcp.exited).toBe(0)
  })

  it('gives a waiting tool call the reason when the database cannot be opened, then exits as before', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'zart.db'), 'this is not an SQLite database, it only has its name'.repeat(100))
    const mcp = spawnHeld(dbIn(dir))
    await mcp.initialize()
    expect((await mcp.request('tools/list')).result.tools.length).toBeGreaterThan(0)
    await mcp.isHeld

    const call = mcp.request('tools/call', { name: 'status', arguments: { execution_id: 'ex-1' } })
    await mcp.request('ping')
    mcp.child.kill('SIGUSR2')
    const { result } = await call
    expect(result.isError).toBe(true)
    expect(result.structuredContent.error.message).toMatch(/could not start \(file is not a database\)/)
    // The same end as when the database was opened before serving: the reason on stderr, exit 1.
    expect(await mcp.exited).toBe(1)
    expect(mcp.err()).toContain('error: file is not a database')
  })
})
