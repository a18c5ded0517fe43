import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A fresh folder removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zart-test-'))
  dirs.push(dir)
  return dir
}

/** A fresh SQLite database URL in a temp folder. */
export function tempDb(): string {
  return `sqlite:${join(tempDir(), 'zart.db')}`
}

/** A clock that moves only when told: the one `zart/testing` exports to users. */
export { ManualClock as FakeClock } from '../src/testing/manual-clock.ts'
