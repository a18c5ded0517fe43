import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import type { Clock } from '../src/clock.ts'
import { parseDuration, type Duration } from '../src/duration.ts'

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

/** A clock that moves only when told. */
export class FakeClock implements Clock {
  constructor(private time = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): number {
    return this.time
  }
  advance(by: Duration): void {
    this.time += parseDuration(by)
  }
}
