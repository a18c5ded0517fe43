import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ZartError } from '../errors.ts'

/** One numbered plain-SQL migration file, e.g. `0001_init.sql`. */
export interface Migration {
  name: string
  sql: string
}

const ROOT = fileURLToPath(new URL('../../migrations/', import.meta.url))

/** The migrations shipped for a dialect, in the order they apply. */
export function loadMigrations(dialect: string): Migration[] {
  const dir = `${ROOT}${dialect}/`
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({ name: file.replace(/\.sql$/, ''), sql: readFileSync(dir + file, 'utf8') }))
}

/**
 * Given what the database has applied, returns what is left to apply, or refuses a
 * database migrated by a newer zart (a name this code does not know).
 */
export function pendingMigrations(known: Migration[], applied: string[]): Migration[] {
  const knownNames = new Set(known.map((m) => m.name))
  const unknown = applied.filter((name) => !knownNames.has(name))
  if (unknown.length > 0) {
    throw new ZartError(
      'SCHEMA_TOO_NEW',
      `the database schema is newer than this zart (it has migration ${unknown.join(', ')}); upgrade zart to use this database`,
    )
  }
  const done = new Set(applied)
  return known.filter((m) => !done.has(m.name))
}
