/**
 * What the backend benchmark needs from each server besides the zart store: scratch
 * namespaces, raw single-row commits (the server's own limit), server counters, and a
 * gate that releases pre-scheduled executions all at once.
 */
import { randomBytes } from 'node:crypto'

/** What differs between the two servers: how to get a scratch namespace and run raw SQL. */
export interface Dialect {
  name: 'postgres' | 'mysql'
  /** A fresh schema or database and the URL that selects it; `drop` removes it. */
  scratch(): Promise<{ url: string; drop: () => Promise<void> }>
  /** Single-row inserts, one per transaction, from `connections` connections for `ms`. */
  rawCommits(connections: number, ms: number): Promise<number>
  /** A scratch table for single-row commits one at a time; `time(n)` is how long n take, in ms. */
  rawCommitter(): Promise<{ time: (n: number) => Promise<number>; drop: () => Promise<void> }>
  /** Server counters, to count transactions (and disk syncs) per workflow. */
  counters(url: string): Promise<Record<string, number>>
  /** Makes every pending row of the scratch namespace due now: the start gate. */
  openGate(url: string, now: number): Promise<void>
  completed(url: string): Promise<number>
  end(): Promise<void>
}

const name = () => `zart_bench_${randomBytes(4).toString('hex')}`
const PAYLOAD = 'x'.repeat(200)

/** PostgreSQL: scratch schemas, `pg_stat_database` and `pg_stat_wal` counters. */
export async function postgresDialect(url: string): Promise<Dialect> {
  const pg = (await import('pg')).default
  const admin = new pg.Pool({ connectionString: url, max: 8 })
  const scoped = new Map<string, InstanceType<typeof pg.Pool>>()
  const pool = (scratchUrl: string) => {
    let p = scoped.get(scratchUrl)
    if (!p) scoped.set(scratchUrl, (p = new pg.Pool({ connectionString: scratchUrl, max: 2 })))
    return p
  }
  return {
    name: 'postgres',
    async scratch() {
      const schema = name()
      await admin.query(`CREATE SCHEMA ${schema}`)
      const scratchUrl = new URL(url)
      scratchUrl.searchParams.set('options', `-c search_path=${schema}`)
      return {
        url: scratchUrl.toString(),
        drop: async () => {
          await scoped.get(scratchUrl.toString())?.end()
          scoped.delete(scratchUrl.toString())
          await admin.query(`DROP SCHEMA ${schema} CASCADE`)
        },
      }
    },
    async rawCommits(connections, ms) {
      const table = name()
      await admin.query(`CREATE TABLE ${table} (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)`)
      const rate = await hammer(connections, ms, () =>
        admin.query(`INSERT INTO ${table} (payload) VALUES ($1)`, [PAYLOAD]),
      )
      await admin.query(`DROP TABLE ${table}`)
      return rate
    },
    async rawCommitter() {
      const table = name()
      await admin.query(`CREATE TABLE ${table} (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)`)
      const client = await admin.connect()
      return {
        time: (n) => timed(n, () => client.query(`INSERT INTO ${table} (payload) VALUES ($1)`, [PAYLOAD])),
        drop: async () => {
          client.release()
          await admin.query(`DROP TABLE ${table}`)
        },
      }
    },
    async counters() {
      const db = await admin.query<{ commits: string }>(
        'SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()',
      )
      const wal = await admin.query<{ syncs: string }>('SELECT wal_sync AS syncs FROM pg_stat_wal').catch(() => null)
      return { transactions: Number(db.rows[0]?.commits ?? NaN), 'disk syncs': Number(wal?.rows[0]?.syncs ?? NaN) }
    },
    async openGate(scratchUrl, now) {
      await pool(scratchUrl).query(`UPDATE zart_executions SET due_at = $1 WHERE status = 'pending'`, [now])
    },
    async completed(scratchUrl) {
      const r = await pool(scratchUrl).query<{ n: number }>(
        `SELECT count(*)::int AS n FROM zart_executions WHERE status = 'completed'`,
      )
      return r.rows[0]?.n ?? 0
    },
    async end() {
      await Promise.all([...scoped.values()].map((p) => p.end()))
      await admin.end()
    },
  }
}

/** MySQL / MariaDB: scratch databases, global status counters. */
export async function mysqlDialect(url: string): Promise<Dialect> {
  const driver = (await import('mysql2/promise')).default
  const admin = driver.createPool({ uri: url, connectionLimit: 8 })
  const scoped = new Map<string, ReturnType<typeof driver.createPool>>()
  const pool = (scratchUrl: string) => {
    let p = scoped.get(scratchUrl)
    if (!p) scoped.set(scratchUrl, (p = driver.createPool({ uri: scratchUrl, connectionLimit: 2 })))
    return p
  }
  const status = async (variable: string) => {
    const [rows] = await admin.query<import('mysql2').RowDataPacket[]>('SHOW GLOBAL STATUS LIKE ?', [variable])
    return Number(rows[0]?.Value ?? NaN)
  }
  return {
    name: 'mysql',
    async scratch() {
      const database = name()
      await admin.query(`CREATE DATABASE ${database}`)
      const scratchUrl = new URL(url)
      scratchUrl.pathname = `/${database}`
      return {
        url: scratchUrl.toString(),
        drop: async () => {
          await scoped.get(scratchUrl.toString())?.end()
          scoped.delete(scratchUrl.toString())
          await admin.query(`DROP DATABASE ${database}`)
        },
      }
    },
    async rawCommits(connections, ms) {
      const table = name()
      await admin.query(
        `CREATE TABLE ${table} (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload TEXT NOT NULL) ENGINE=InnoDB`,
      )
      const rate = await hammer(connections, ms, () =>
        admin.query(`INSERT INTO ${table} (payload) VALUES (?)`, [PAYLOAD]),
      )
      await admin.query(`DROP TABLE ${table}`)
      return rate
    },
    async rawCommitter() {
      const table = name()
      await admin.query(
        `CREATE TABLE ${table} (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload TEXT NOT NULL) ENGINE=InnoDB`,
      )
      const connection = await admin.getConnection()
      return {
        time: (n) => timed(n, () => connection.query(`INSERT INTO ${table} (payload) VALUES (?)`, [PAYLOAD])),
        drop: async () => {
          connection.release()
          await admin.query(`DROP TABLE ${table}`)
        },
      }
    },
    async counters() {
      // Questions counts client round trips (a multi-statement packet is one); Handler_commit counts commits (a
      // multi-statement transaction is one); Innodb_data_fsyncs counts InnoDB's fsync calls (redo log included).
      return {
        'client round trips': await status('Questions'),
        transactions: await status('Handler_commit'),
        'disk syncs': await status('Innodb_data_fsyncs'),
      }
    },
    async openGate(scratchUrl, now) {
      await pool(scratchUrl).query(`UPDATE zart_executions SET due_at = ? WHERE status = 'pending'`, [now])
    },
    async completed(scratchUrl) {
      const [rows] = await pool(scratchUrl).query<import('mysql2').RowDataPacket[]>(
        `SELECT count(*) AS n FROM zart_executions WHERE status = 'completed'`,
      )
      return Number(rows[0]?.n ?? 0)
    },
    async end() {
      await Promise.all([...scoped.values()].map((p) => p.end()))
      await admin.end()
    },
  }
}

/** Runs `insert` back to back on `connections` concurrent lanes for `ms`; returns commits/s. */
async function hammer(connections: number, ms: number, insert: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await insert() // warm the pool
  let n = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() - started < ms) {
        await insert()
        n++
      }
    }),
  )
  return n / ((performance.now() - started) / 1000)
}

/** How long `n` calls of `insert`, one after the other, take, in ms. */
async function timed(n: number, insert: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < n; i++) await insert()
  return performance.now() - started
}
