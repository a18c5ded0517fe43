import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import type { Store } from '../../src/storage/store.ts'
import type { StoreContractOptions } from '../../src/testing/index.ts'

/**
 * The backends the storage tests run against. SQLite always; PostgreSQL and MySQL when
 * their URL is set (`eval "$(scripts/test-databases.sh start)"` starts local ones).
 * `ZART_TEST_REQUIRE_BACKENDS=sqlite,postgres,mysql` turns a missing URL into a failure.
 */
export interface Backend {
  name: 'sqlite' | 'postgres' | 'mysql'
  /** The URL of the shared test database, or null when not configured. */
  url: string | null
  envVar: string | null
  /** A store on a fresh, empty schema or database, with what the contract needs to clean up. */
  fresh(): Promise<{ store: Store; url: string }>
  options: StoreContractOptions
}

export const required = new Set(
  (process.env.ZART_TEST_REQUIRE_BACKENDS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
)

const token = () => `zart_t_${randomBytes(5).toString('hex')}`
const cleanups = new WeakMap<Store, (failed: boolean) => Promise<void>>()
const sqlRunners = new WeakMap<Store, (sql: string, values: unknown[]) => Promise<void>>()

const sharedOptions: StoreContractOptions = {
  recordUnknownMigration: async (store, name) => {
    await sqlRunners.get(store)?.('INSERT INTO zart_migrations (name, applied_at) VALUES (?, ?)', [name, Date.now()])
  },
  cleanup: async (store, failed) => cleanups.get(store)?.(failed),
}

export const sqlite: Backend = {
  name: 'sqlite',
  url: 'sqlite:',
  envVar: null,
  options: sharedOptions,
  async fresh() {
    const { SqliteStore } = await import('../../src/storage/sqlite/sqlite-store.ts')
    const dir = mkdtempSync(join(tmpdir(), 'zart-contract-'))
    const path = join(dir, 'zart.db')
    const store = new SqliteStore(path)
    cleanups.set(store, async () => rmSync(dir, { recursive: true, force: true }))
    sqlRunners.set(store, async (sql, values) => {
      const Database = (await import('better-sqlite3')).default
      const db = new Database(path)
      db.prepare(sql).run(...values)
      db.close()
    })
    return { store, url: `sqlite:${path}` }
  },
}

const postgresUrl = process.env.ZART_TEST_POSTGRES_URL || null

export const postgres: Backend = {
  name: 'postgres',
  url: postgresUrl,
  envVar: 'ZART_TEST_POSTGRES_URL',
  options: sharedOptions,
  async fresh() {
    if (!postgresUrl) throw new Error('ZART_TEST_POSTGRES_URL is not set')
    const pg = (await import('pg')).default
    const { PostgresStore } = await import('../../src/storage/postgres/postgres-store.ts')
    const schema = token()
    const admin = async (run: (client: InstanceType<typeof pg.Client>) => Promise<unknown>) => {
      const client = new pg.Client({ connectionString: postgresUrl })
      await client.connect()
      try {
        await run(client)
      } finally {
        await client.end()
      }
    }
    await admin((c) => c.query(`CREATE SCHEMA ${schema}`))
    const store = new PostgresStore(postgresUrl, { schema, poolSize: 4 })
    cleanups.set(store, async (failed) => {
      if (failed) console.warn(`postgres: kept schema ${schema} of a failed test for inspection`)
      else await admin((c) => c.query(`DROP SCHEMA ${schema} CASCADE`))
    })
    sqlRunners.set(store, (sql, values) =>
      admin((c) => c.query(toDollar(sql).replace('zart_migrations', `${schema}.zart_migrations`), values)),
    )
    const url = new URL(postgresUrl)
    url.searchParams.set('options', `-c search_path=${schema}`)
    return { store, url: url.toString() }
  },
}

const mysqlUrl = process.env.ZART_TEST_MYSQL_URL || null

export const mysql: Backend = {
  name: 'mysql',
  url: mysqlUrl,
  envVar: 'ZART_TEST_MYSQL_URL',
  options: sharedOptions,
  async fresh() {
    if (!mysqlUrl) throw new Error('ZART_TEST_MYSQL_URL is not set')
    const driver = await import('mysql2/promise')
    const { MysqlStore } = await import('../../src/storage/mysql/mysql-store.ts')
    const database = token()
    const admin = async (sql: string, values: unknown[] = []) => {
      const connection = await driver.createConnection(mysqlUrl)
      try {
        await connection.query(sql, values)
      } finally {
        await connection.end()
      }
    }
    await admin(`CREATE DATABASE ${database}`)
    const url = new URL(mysqlUrl)
    url.pathname = `/${database}`
    const store = new MysqlStore(url.toString(), { poolSize: 4 })
    cleanups.set(store, async (failed) => {
      if (failed) console.warn(`mysql: kept database ${database} of a failed test for inspection`)
      else await admin(`DROP DATABASE ${database}`)
    })
    sqlRunners.set(store, (sql, values) => admin(sql.replace('zart_migrations', `${database}.zart_migrations`), values))
    return { store, url: url.toString() }
  },
}

/** `?` placeholders to PostgreSQL's `$n`. */
function toDollar(sql: string): string {
  let n = 0
  return sql.replace(/\?/g, () => `$${++n}`)
}

export const backends: Backend[] = [sqlite, postgres, mysql]

/** Why a backend does not run here, and how to make it run; null when it runs. */
export function skipReason(backend: Backend): string | null {
  if (backend.url) return null
  return `${backend.name}: skipped, ${backend.envVar} is not set. To run it: eval "$(scripts/test-databases.sh start)" (starts local PostgreSQL and MariaDB), or export ${backend.envVar}=URL of an empty test database.`
}
