import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { ROOT, ZART_BIN } from '../fixtures/zart-process.ts'
import { tempDir } from '../helpers.ts'
import { dbIn, zartEnv } from '../mcp/helpers.ts'

/**
 * A supervisor (systemd, a test, a shell script) may send SIGTERM the instant a long-running
 * command says it is up. The command must already be listening for it then, and stop cleanly
 * with exit 0, not die by the signal's default action.
 */
const COMMANDS: { name: string; args: string[]; ready: { stream: 'stdout' | 'stderr'; text: string } }[] = [
  { name: 'worker', args: ['worker'], ready: { stream: 'stderr', text: '"worker started"' } },
  { name: 'serve', args: ['serve', '--port', '0'], ready: { stream: 'stdout', text: 'MCP at http' } },
  { name: 'mcp', args: ['mcp'], ready: { stream: 'stderr', text: 'mcp server ready on stdio' } },
]

function signalWhenReady(args: readonly string[], ready: { stream: 'stdout' | 'stderr'; text: string }) {
  const child = spawn(process.execPath, [ZART_BIN, '--db', dbIn(tempDir()), ...args], {
    cwd: ROOT,
    env: zartEnv({ ZART_LOG_LEVEL: 'info' }),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let seen = ''
  let signalled = false
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  child[ready.stream].setEncoding('utf8').on('data', (chunk: string) => {
    seen += chunk
    if (!signalled && seen.includes(ready.text)) {
      signalled = true
      child.kill('SIGTERM')
    }
  })
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  )
}

describe('long-running commands and an immediate SIGTERM', () => {
  for (const command of COMMANDS) {
    it(`zart ${command.name} exits 0 when signalled the moment it reports ready`, async () => {
      for (let round = 0; round < 3; round++) {
        const run = await signalWhenReady(command.args, command.ready)
        expect({ code: run.code, signal: run.signal }, run.stderr).toEqual({ code: 0, signal: null })
      }
    })
  }
})
