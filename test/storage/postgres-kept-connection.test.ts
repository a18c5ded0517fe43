import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { PostgresStore } from '../../src/storage/postgres/postgres-store.ts'
import { newExecution } from '../../src/testing/fixtures.ts'
import { postgres, required, skipReason } from './backends.ts'

const reason = skipReason(postgres)
const suite = reason === null || required.has('postgres') ? describe : describe.skip

/** A store on `url` whose connections carry `name`, so this test can find and end them. */
function namedStore(url: string, name: string, poolSize: number): PostgresStore {
  const named = new URL(url)
  named.searchParams.set('application_name', name)
  return new PostgresStore(named.toString(), { poolSize })
}

/** The server processes of the connections named `name`. */
async function backendsOf(admin: pg.Client, name: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [
    name,
  ])
  return rows.map((r) => r.pid)
}

/**
 * Runs `statement` while this test holds a lock on the executions table, waits until the
 * statement waits for it, then has the server end the connections named `name`: the
 * statement's error code, or 'answered'.
 */
async function endedWhileWaiting(
  url: string,
  admin: pg.Client,
  name: string,
  statement: () => Promise<unknown>,
): Promise<string> {
  const locker = new pg.Client({ connectionString: url })
  await locker.connect()
  try {
    await locker.query('BEGIN; LOCK TABLE zart_executions IN ACCESS EXCLUSIVE MODE')
    const blocked = statement().then(
      () => 'answered',
      (error: unknown) => (error as { code?: string }).code ?? 'failed',
    )
    const waiting = async () =>
      (
        await admin.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [
          name,
        ])
      ).rowCount === 1
    for (let i = 0; i < 200 && !(await waiting()); i++) await new Promise((r) => setTimeout(r, 10))
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [name])
    return await blocked
  } finally {
    await locker.query('ROLLBACK')
    await locker.end()
  }
}

/** A fresh schema, a store on it of `poolSize` whose connections carry a name, and an admin connection. */
async function withNamedStore(
  prefix: string,
  poolSize: number,
  test: (context: { store: PostgresStore; url: string; admin: pg.Client; name: string }) => Promise<void>,
): Promise<void> {
  if (reason !== null) throw new Error(reason)
  const { store: migrated, url } = await postgres.fresh()
  const name = `${prefix}_${process.pid}_${Date.now()}`
  const store = namedStore(url, name, poolSize)
  const admin = new pg.Client({ connectionString: url })
  let failed = true
  try {
    await migrated.migrate()
    await admin.connect()
    await test({ store, url, admin, name })
    failed = false
  } finally {
    await admin.end()
    await store.close()
    await migrated.close()
    await postgres.options.cleanup?.(migrated, failed)
  }
}

/**
 * Single statements run on one connection the store keeps out of its pool while it is
 * free (src/storage/postgres/kept-connection.ts). Held out of the pool, it has no error
 * listener of the pool's: one the server ends must be dropped, not crash the process.
 */
suite('PostgreSQL kept connection', () => {
  it('is dropped when the server ends it, and the next statement gets a new one', async () => {
    await withNamedStore('zart_kept', 4, async ({ store, url, admin, name }) => {
      const pids = () => backendsOf(admin, name)

      await store.createExecution(newExecution('k1'))
      expect(await store.getExecution('k1')).toMatchObject({ id: 'k1', status: 'pending' })
      // One statement after another: one connection, kept.
      expect(await pids()).toHaveLength(1)

      // The server ends it while it sits idle here: the process goes on.
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [name])
      for (let i = 0; i < 100 && (await pids()).length > 0; i++) await new Promise((r) => setTimeout(r, 10))
      await new Promise((r) => setTimeout(r, 50))

      expect(await store.getExecution('k1')).toMatchObject({ id: 'k1' })
      await store.createExecution(newExecution('k2'))
      expect(await pids()).toHaveLength(1)

      // Ended in the middle of a statement (one waiting for a table lock held here): that
      // statement fails, and the next one runs on a new connection.
      expect(await endedWhileWaiting(url, admin, name, () => store.getExecution('k2'))).toBe('57P01')
      expect(await store.getExecution('k2')).toMatchObject({ id: 'k2' })
    })
  })

  /**
   * The schedule of one and the one-execution commits go to the driver as statements that
   * return no row (src/storage/postgres/command.ts): the same connection rules hold for them.
   */
  it('runs statements that return no row on it, or on the pool while it is busy, and survives their errors', async () => {
    await withNamedStore('zart_kept_cmd', 4, async ({ store, url, admin, name }) => {
      const pids = () => backendsOf(admin, name)

      expect((await store.createExecution(newExecution('c1'))).outcome).toBe('created')
      const [kept] = await pids()
      // A count of 0 (the id is taken) is an answer, not an error.
      expect(await store.createExecution(newExecution('c1'))).toMatchObject({ outcome: 'existing', matchedBy: 'id' })
      // A value the server refuses is the statement's error: the connection stays.
      await expect(store.createExecution(newExecution('c2', { inputJson: '"\u0000"' }))).rejects.toMatchObject({
        code: '22021',
      })
      expect((await store.createExecution(newExecution('c2'))).outcome).toBe('created')
      expect(await pids()).toEqual([kept])

      // Twenty at once: the kept connection takes one at a time, the pool the rest.
      const many = await Promise.all(Array.from({ length: 20 }, (_, i) => store.createExecution(newExecution(`m${i}`))))
      expect(many.map((r) => r.outcome)).toEqual(Array.from({ length: 20 }, () => 'created'))
      expect((await pids()).length).toBeLessThanOrEqual(4)
      const count = await admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM zart_executions WHERE id LIKE 'm%'`,
      )
      expect(count.rows[0]?.n).toBe(20)

      // Ended by the server in the middle of one (waiting for a table lock held here): it
      // fails, and the next one runs on a new connection.
      expect(await endedWhileWaiting(url, admin, name, () => store.createExecution(newExecution('c3')))).toBe('57P01')
      expect((await store.createExecution(newExecution('c3'))).outcome).toBe('created')
      expect(await store.getExecution('c3')).toMatchObject({ id: 'c3', status: 'pending' })
    })
  })

  it('is not kept from a pool of one, whose transactions would wait for it for ever', async () => {
    await withNamedStore('zart_kept_one', 1, async ({ store }) => {
      await store.createExecution(newExecution('k1'))
      // A transaction (the migration check takes the migration lock in one) right after a statement.
      expect((await store.migrate()).applied).toEqual([])
      expect(await store.getExecution('k1')).toMatchObject({ id: 'k1' })
    })
  })
})
