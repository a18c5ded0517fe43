import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ZartError } from '../errors.ts'
import type { MigrationStatus } from './store.ts'

/** One numbered plain-SQL migration file, e.g. `0001_init.sql`. */
export interface Migration {
  name: string
  sql: string
}

const ROOT = fileURLToPath(new URL('../../migrations/', import.meta.url))

/**
 * The migrations shipped for a dialect, in the order they apply. Each file is read when its
 * `sql` is: every CLI call opens the store, and usually none is pending.
 */
export function loadMigrations(dialect: string): Migration[] {
  const dir = `${ROOT}${dialect}/`
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      name: file.replace(/\.sql$/, ''),
      get sql() {
        return readFileSync(dir + file, 'utf8')
      },
    }))
}

/**
 * Compares what the database has applied with what this code ships, without judging:
 * `migrate()` refuses a newer schema, `migrationStatus()` only reports it.
 */
export function compareMigrations(known: Migration[], applied: string[]): MigrationStatus {
  const knownNames = new Set(known.map((m) => m.name))
  const done = new Set(applied)
  return {
    // Names sort in apply order (NNNN_ prefix), so the greatest is the latest applied.
    current: [...applied].sort().at(-1) ?? null,
    pending: known.filter((m) => !done.has(m.name)).map((m) => m.name),
    unknown: applied.filter((name) => !knownNames.has(name)).sort(),
  }
}

/**
 * Given what the database has applied, returns what is left to apply, or refuses a
 * database migrated by a newer zart (a name this code does not know).
 */
export function pendingMigrations(known: Migration[], applied: string[]): Migration[] {
  const { pending, unknown } = compareMigrations(known, applied)
  refuseUnknown(unknown)
  return known.filter((m) => pending.includes(m.name))
}

/** Refuses a database migrated by a newer zart: `unknown` names migrations this code lacks. */
export function refuseUnknown(unknown: readonly string[]): void {
  if (unknown.length === 0) return
  throw new ZartError(
    'SCHEMA_TOO_NEW',
    `the database schema is newer than this zart (it has migration ${unknown.join(', ')}); upgrade zart to use this database`,
  )
}
