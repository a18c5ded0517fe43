import mysql from 'mysql2/promise'
import * as q from './queries.ts'

const RECONNECT_MS = 1000
/** How long a listening connection sleeps in the server between two wake-ups, in seconds. */
const SLEEP_SECONDS = 30
/** ER_QUERY_INTERRUPTED: what MariaDB (and MySQL, in some versions) answers to a killed SLEEP. */
const QUERY_INTERRUPTED = 1317

/**
 * Cross-process wake-ups for MySQL, which has no LISTEN/NOTIFY. A listening process keeps
 * one connection of its own asleep in the server (`WAKE_UP_SLEEP`, marked by its alias in
 * the process list); `ring` interrupts those sleeps with KILL QUERY, which ends the
 * statement and leaves the connection open. The listener calls `onDue`, then sleeps again.
 * Idle, that is one statement per SLEEP_SECONDS per listening process.
 *
 * A ring that comes while the listener is between two sleeps finds nobody: the worker's
 * poll still finds the work, only later. When the connection drops, it reconnects after a
 * second. Resolves once the first sleep is under way; the function it returns stops it.
 */
export async function listen(
  options: mysql.ConnectionOptions,
  onDue: () => void,
  interrupt: (threadId: number) => Promise<void>,
): Promise<{ threadId: () => number | null; stop: () => Promise<void> }> {
  let stopped = false
  let connection: mysql.Connection | null = null
  let retry: NodeJS.Timeout | undefined

  const sleepLoop = async (current: mysql.Connection): Promise<void> => {
    while (!stopped && connection === current) {
      try {
        const [rows] = await current.query<mysql.RowDataPacket[]>(q.WAKE_UP_SLEEP, [SLEEP_SECONDS])
        // SLEEP answers 1 when it was interrupted, 0 when it slept its time out.
        if (Number(rows[0]?.zart_wake_up) === 1 && !stopped) onDue()
      } catch (error) {
        if ((error as { errno?: number }).errno !== QUERY_INTERRUPTED) return reconnect(current)
        if (!stopped) onDue()
      }
    }
  }

  const connect = async (): Promise<void> => {
    const next = await mysql.createConnection(options)
    next.on('error', () => reconnect(next))
    if (stopped) {
      await next.end().catch(() => {})
      return
    }
    connection = next
    void sleepLoop(next)
    // Anything that became due while nobody listened is found by this poke.
    onDue()
  }

  const reconnect = (broken: mysql.Connection): void => {
    if (stopped || connection !== broken) return
    connection = null
    broken.destroy()
    reconnectLater()
  }

  const reconnectLater = (): void => {
    if (stopped) return
    clearTimeout(retry)
    retry = setTimeout(() => void connect().catch(() => reconnectLater()), RECONNECT_MS)
    retry.unref()
  }

  await connect()
  return {
    threadId: () => connection?.threadId ?? null,
    stop: async () => {
      stopped = true
      clearTimeout(retry)
      const current = connection
      connection = null
      if (!current) return
      // Wake its sleep first: a closed socket alone would leave the server thread asleep.
      await interrupt(current.threadId).catch(() => {})
      await current.end().catch(() => current.destroy())
    },
  }
}

/**
 * Rings other processes' listeners, over one connection of its own opened on first use:
 * rings never wait for, nor hold up, the store's pool (nor change the order in which its
 * calls reach the server).
 *
 * `ring` interrupts the listeners it knows first, at once; only then does it read the
 * process list, off the wake-up's path, to find listeners that started since (rung next)
 * and to forget those whose connection is gone. Per ring that is the same look and the
 * same KILL QUERY each as reading the list first, in a better order: a round trip sooner
 * for the listeners that were already there, which is nearly always all of them. A
 * remembered id never names another connection: the server does not reuse them.
 */
export class Bell {
  private pool: mysql.Pool | null = null
  private known: number[] = []
  private readonly open: () => mysql.Pool

  /** `open` makes the bell's pool of one connection, on the first ring. */
  constructor(open: () => mysql.Pool) {
    this.open = open
  }

  /** Wakes every listener on this database but `own` (this process's, poked directly). */
  async ring(own: ReadonlySet<number>): Promise<void> {
    const rung = new Set(this.known.filter((id) => !own.has(id)))
    await Promise.all([...rung].map((id) => this.interrupt(id)))
    const [rows] = await this.connection().query<mysql.RowDataPacket[]>(q.WAKE_UP_LISTENERS)
    // Read right after the rings, the list often finds a listener between two sleeps: it
    // is kept while its connection lasts, or the next ring would find it by the list again.
    const before = new Set(this.known)
    this.known = rows
      .filter((r) => Number(r.asleep) === 1 || before.has(Number(r.id)))
      .map((r) => Number(r.id))
      .filter((id) => Number.isSafeInteger(id))
    await Promise.all(this.known.filter((id) => !own.has(id) && !rung.has(id)).map((id) => this.interrupt(id)))
  }

  /** Ends the statement connection `threadId` is running (its sleep), not the connection. */
  async interrupt(threadId: number): Promise<void> {
    // A listener that just woke or went away answers "unknown thread": nothing to do.
    await this.connection()
      .query(q.KILL_QUERY, [threadId])
      .catch(() => {})
  }

  async end(): Promise<void> {
    await this.pool?.end()
  }

  private connection(): mysql.Pool {
    this.pool ??= this.open()
    return this.pool
  }
}
