import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
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

/**
 * Every row of every zart table in a SQLite file: the strongest "nothing changed" there is.
 * A worker's heartbeat time is left out: it moves on the worker's own clock (every 10 s by
 * default), whatever a request did, and a slow test would see it move.
 */
export function dump(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true, fileMustExist: true })
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string
    }[]
    const rows = (name: string) =>
      (db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]).map((row) =>
        name === 'zart_workers' ? { ...row, last_seen_at: undefined } : row,
      )
    return Object.fromEntries(tables.map(({ name }) => [name, rows(name)]))
  } finally {
    db.close()
  }
}
