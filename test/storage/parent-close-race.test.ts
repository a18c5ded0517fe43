import { describe, expect, it } from 'vitest'
import type { Store } from '../../src/storage/store.ts'
import { mysql, postgres, required, skipReason, type Backend } from './backends.ts'

/** A session of its own on the test database: runs statements one by one, holds a transaction open. */
interface Session {
  query(sql: string): Promise<void>
  /** Whether another session waits for a row lock now. */
  someoneWaits(): Promise<boolean>
  end(): Promise<void>
}

async function session(backend: Backend, url: string): Promise<Session> {
  if (backend.name === 'postgres') {
    const pg = (await import('pg')).default
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    return {
      query: async (sql) => void (await client.query(sql)),
      someoneWaits: async () =>
        (await client.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'`)).rows.length > 0,
      end: () => client.end(),
    }
  }
  const driver = await import('mysql2/promise')
  const connection = await driver.createConnection(url)
  return {
    query: async (sql) => void (await connection.query(sql)),
    // The parent close lookup runs as the second statement of a round trip, which
    // innodb_trx does not show; a lookup still running while the child holds its row waits for it.
    someoneWaits: async () => {
      const [rows] = await connection.query(
        `SELECT 1 FROM information_schema.processlist WHERE DB = DATABASE() AND INFO LIKE '%WITH RECURSIVE tree%' AND ID <> CONNECTION_ID()`,
      )
      return (rows as unknown[]).length > 0
    },
    end: () => connection.end(),
  }
}

const insert = (id: string, parent: string, status: string) =>
  `INSERT INTO zart_executions (id, workflow, input_json, status, created_at, updated_at, parent_id)
   VALUES ('${id}', 'w', '{}', '${status}', 0, 0, '${parent}')`

for (const backend of [postgres, mysql]) {
  const reason = skipReason(backend)
  const suite = reason === null || required.has(backend.name) ? describe : describe.skip

  /**
   * A parent that finishes cancels its unfinished children and theirs. A grandchild that a
   * child's commit creates while the parent's commit waits for that child's row lock was
   * missed: the tree was read from the statement's snapshot, taken before the child's commit
   * ended, and the grandchild ran on under a cancelled parent.
   */
  suite(`parent close on ${backend.name}`, () => {
    it('cancels a grandchild created while the finishing commit waited for its parent', async () => {
      if (reason !== null) throw new Error(reason)
      const { store, url } = await backend.fresh()
      let failed = true
      const setUp = await session(backend, url)
      const child = await session(backend, url)
      try {
        await store.migrate()
        const now = Date.now()
        const created = await store.createExecution({
          id: 'P',
          workflow: 'w',
          inputJson: '{}',
          idempotencyKey: null,
          deadlineAt: null,
          runAt: now,
          now,
          version: null,
          claim: { workerId: 'w1', leaseMs: 60_000 },
        })
        expect(created.execution.status).toBe('running')
        await setUp.query(insert('C', 'P', 'running'))
        // The child's commit: holds its row, starts a grandchild, has not committed yet.
        await child.query('BEGIN')
        await child.query(`SELECT id FROM zart_executions WHERE id = 'C' FOR UPDATE`)
        await child.query(insert('G', 'C', 'pending'))
        const finishing = store.commit([
          {
            kind: 'finish',
            lease: { executionId: 'P', token: 1 },
            status: 'completed',
            outputJson: '1',
            errorJson: null,
            now,
          },
        ])
        const giveUp = Date.now() + 10_000
        while (!(await setUp.someoneWaits())) {
          if (Date.now() > giveUp) throw new Error("the parent's commit never waited for the child's row")
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
        await child.query('COMMIT')
        expect(await finishing).toMatchObject([{ ok: true, kind: 'finish' }])
        const status = async (s: Store, id: string) => (await s.getExecution(id))?.status
        expect({ P: await status(store, 'P'), C: await status(store, 'C'), G: await status(store, 'G') }).toEqual({
          P: 'completed',
          C: 'cancelled',
          G: 'cancelled',
        })
        failed = false
      } finally {
        await child.end()
        await setUp.end()
        await store.close()
        await backend.options.cleanup?.(store, failed)
      }
    })

    it('cancels a child started while the cancel waited for its parent', async () => {
      if (reason !== null) throw new Error(reason)
      const { store, url } = await backend.fresh()
      let failed = true
      const setUp = await session(backend, url)
      const parent = await session(backend, url)
      try {
        await store.migrate()
        await setUp.query(insert('E', 'none', 'running'))
        // The execution's own commit: holds its row, starts a child, has not committed yet.
        await parent.query('BEGIN')
        await parent.query(`SELECT id FROM zart_executions WHERE id = 'E' FOR UPDATE`)
        await parent.query(insert('K', 'E', 'pending'))
        const cancelling = store.cancelExecution('E', Date.now(), '{"code":"CANCELLED","message":"cancelled"}')
        const giveUp = Date.now() + 10_000
        while (!(await setUp.someoneWaits())) {
          if (Date.now() > giveUp) throw new Error("the cancel never waited for the execution's row")
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
        await parent.query('COMMIT')
        expect(await cancelling).toMatchObject({ outcome: 'cancelled' })
        expect((await store.getExecution('K'))?.status).toBe('cancelled')
        failed = false
      } finally {
        await parent.end()
        await setUp.end()
        await store.close()
        await backend.options.cleanup?.(store, failed)
      }
    })
  })
}
