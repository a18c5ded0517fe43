import type { RowDataPacket } from 'mysql2'
import { describe, expect, it } from 'vitest'
import { createZart } from '../../src/index.ts'
import { waitsForGo, WAITS_FOR_GO } from '../fixtures/event-wait/waits-for-go.ts'
import { startWorker } from '../fixtures/zart-process.ts'
import { MysqlStore } from '../../src/storage/mysql/mysql-store.ts'
import { Bell } from '../../src/storage/mysql/wake-ups.ts'
import { mysql, required, skipReason } from './backends.ts'

const reason = skipReason(mysql)
const suite = reason === null || required.has('mysql') ? describe : describe.skip

suite('a worker in another process on MySQL', () => {
  it('is woken by a schedule and by an event from this process at once, not at its next poll', async () => {
    if (reason !== null) throw new Error(reason)
    const { store, url } = await mysql.fresh()
    const client = await createZart({ db: store, workflows: [waitsForGo] })
    // A poll far longer than the waits below: only the wake-ups can move it.
    const worker = startWorker(['--db', url, '--workflows', WAITS_FOR_GO, '--poll', '10m'])
    let failed = true
    try {
      await worker.started()
      await new Promise((resolve) => setTimeout(resolve, 500)) // past its first, empty claim
      const { execution_id } = await client.schedule('waits-for-go')
      const giveUp = Date.now() + 20_000
      while ((await client.status(execution_id)).status !== 'waiting') {
        if (Date.now() > giveUp) throw new Error('the worker never took up the execution')
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(await client.deliverEvent(execution_id, 'go', { n: 1 })).toMatchObject({ result: 'delivered' })
      const done = await client.wait(execution_id, { timeout: '20s' })
      expect(done).toMatchObject({ status: 'completed', timed_out: false, output: { payload: { n: 1 } } })
      failed = false
    } finally {
      await worker.stop('SIGTERM')
      await client.close()
      await store.close()
      await mysql.options.cleanup?.(store, failed)
    }
  })

  it('rings listeners that started after the ringing store last looked, past one that has gone', async () => {
    if (reason !== null) throw new Error(reason)
    const { store: ringer, url } = await mysql.fresh()
    const client = await createZart({ db: ringer, workflows: [waitsForGo], worker: false })
    const first = new MysqlStore(url)
    const second = new MysqlStore(url)
    const heard = { first: 0, second: 0 }
    const heardWithin = async (who: keyof typeof heard, than: number) => {
      const giveUp = Date.now() + 2_000
      while (heard[who] <= than) {
        if (Date.now() > giveUp) throw new Error(`the ${who} listener was not rung`)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    }
    let failed = true
    try {
      const stopFirst = await first.subscribe(() => heard.first++)
      let before = heard.first
      await client.schedule('waits-for-go')
      await heardWithin('first', before)
      // The ringer has now seen the first listener; that one goes away, a new one comes.
      await stopFirst()
      await second.subscribe(() => heard.second++)
      before = heard.second
      await client.schedule('waits-for-go')
      await heardWithin('second', before)
      failed = false
    } finally {
      await client.close()
      await first.close()
      await second.close()
      await ringer.close()
      await mysql.options.cleanup?.(ringer, failed)
    }
  })

  it('rings a listener it has seen first, though its last look found it between two sleeps', async () => {
    if (reason !== null) throw new Error(reason)
    const { store, url } = await mysql.fresh()
    const driver = (await import('mysql2/promise')).default
    const listener = await driver.createConnection(url)
    const pool = driver.createPool({ uri: url, connectionLimit: 1 })
    const asked: string[] = []
    const recorded = new Proxy(pool, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key)
        if (key !== 'query') return typeof value === 'function' ? value.bind(target) : value
        return (sql: string, values?: unknown[]) => {
          asked.push(sql.trim().split(/\s+/)[0] ?? '')
          return target.query(sql, values)
        }
      },
    })
    const bell = new Bell(() => recorded)
    const sleeping = async () => {
      const slept = listener.query('SELECT SLEEP(30) AS zart_wake_up').then(
        () => {},
        () => {}, // interrupted
      )
      for (;;) {
        const [rows] = await pool.query<RowDataPacket[]>(
          'SELECT STATE FROM information_schema.PROCESSLIST WHERE ID = ?',
          [listener.threadId],
        )
        // Asleep in the server, not only started: a KILL before that is lost (see wake-ups.ts).
        if (rows[0]?.STATE === 'User sleep') return { slept }
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    }
    let failed = true
    try {
      let { slept } = await sleeping()
      await bell.ring(new Set())
      await slept // woken
      // Rung while between two sleeps, as a listener often is right after a ring.
      await bell.ring(new Set())
      ;({ slept } = await sleeping())
      asked.length = 0
      const started = Date.now()
      await bell.ring(new Set())
      await slept
      expect(Date.now() - started).toBeLessThan(5_000)
      expect(asked[0]).toBe('KILL') // not a look at the process list first
      failed = false
    } finally {
      await listener.end()
      await bell.end()
      await pool.end().catch(() => {}) // the bell's, ended with it once it rang
      await store.close()
      await mysql.options.cleanup?.(store, failed)
    }
  })
})
