import mysqlDriver from 'mysql2/promise'
import { describe, expect, it } from 'vitest'
import { newExecution } from '../../src/testing/fixtures.ts'
import { mysql, required, skipReason } from './backends.ts'

const reason = skipReason(mysql)
const suite = reason === null || required.has('mysql') ? describe : describe.skip

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`never: ${what}`)
}

/**
 * InnoDB breaks a deadlock by rolling back one of its transactions (ER_LOCK_DEADLOCK). The
 * store's writes take their locks in one order, but another session may not (an operator's
 * transaction, gap locks at REPEATABLE READ): a write the server rolled back is whole and
 * undone, so the store runs it again instead of failing the caller.
 */
suite('MySQL writes rolled back to break a deadlock', () => {
  it('an event delivery is run again, not failed', async () => {
    if (reason !== null) throw new Error(reason)
    const { store, url } = await mysql.fresh()
    const other = await mysqlDriver.createConnection(url)
    const watcher = await mysqlDriver.createConnection(url)
    let failed = true
    try {
      await store.migrate()
      await store.createExecution(newExecution('x1'))
      await other.query('CREATE TABLE weight (n INT)')
      // The other session: heavier (InnoDB rolls back the transaction that changed fewer
      // rows), holding the inbox range of x1 as REPEATABLE READ's next-key locks do.
      await other.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ')
      await other.query('BEGIN')
      await other.query(`INSERT INTO weight (n) VALUES ${Array.from({ length: 200 }, (_, i) => `(${i})`).join(',')}`)
      await other.query(`SELECT * FROM zart_events WHERE execution_id = 'x1' FOR UPDATE`)
      // The delivery locks x1's row, then waits to insert into that range.
      const delivered = store
        .deliverEvent({ executionId: 'x1', eventId: null, name: 'go', payloadJson: '{}', now: 1 })
        .then(
          (result) => result.outcome,
          (error: unknown) => `failed: ${(error as Error).message}`,
        )
      await until('the delivery waits for the inbox lock', async () => {
        const [rows] = await watcher.query(
          `SELECT count(*) AS n FROM information_schema.processlist
           WHERE id <> CONNECTION_ID() AND info LIKE 'INSERT INTO zart_events%'`,
        )
        return Number((rows as { n: number }[])[0]?.n) > 0
      })
      // Now the other session asks for x1's row: a cycle, broken by rolling the delivery back.
      await other.query(`SELECT * FROM zart_executions WHERE id = 'x1' FOR UPDATE`)
      await other.query('COMMIT')
      expect(await delivered).toBe('buffered')
      const [events] = await watcher.query(`SELECT name FROM zart_events WHERE execution_id = 'x1'`)
      expect(events).toEqual([{ name: 'go' }])
      failed = false
    } finally {
      await Promise.all([other.end(), watcher.end()])
      await store.close()
      await mysql.options.cleanup?.(store, failed)
    }
  })
})
