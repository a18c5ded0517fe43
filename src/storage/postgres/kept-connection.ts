import pg from 'pg'
import { command, type CommandValue } from './command.ts'
import type { NamedQuery } from './queries.ts'

/**
 * Runs single statements (each its own transaction) on one connection kept out of the
 * pool while it is free, and on any pooled connection while it is busy.
 *
 * A pool's check-out and return cost about 0.03 ms of JavaScript per statement, and about
 * 0.08 ms for the first statement after an idle pause, when that code runs cold: a run's
 * five commits paid it five times. Its commits and its schedule come one after another,
 * so they nearly always find this connection free.
 *
 * The connection counts toward the pool's size, so it is kept only when the pool has room
 * for another beside it (a pool of one would leave transactions waiting for ever). A kept
 * connection that breaks is dropped (the pool replaces it on the next statement), and
 * `release` hands it back before the pool ends.
 */
export class KeptConnection {
  private readonly pool: pg.Pool
  private readonly keeps: boolean
  private client: pg.PoolClient | null = null
  private onBroken: ((error?: Error) => void) | null = null
  private busy = false
  private released = false

  constructor(pool: pg.Pool) {
    this.pool = pool
    this.keeps = (pool.options.max ?? 10) > 1
  }

  async query<R extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>> {
    return this.on((client) => client.query<R>(config))
  }

  /** A statement that returns no row (see `command`): its row count. */
  async command(query: NamedQuery, values: readonly CommandValue[]): Promise<number> {
    return this.on((client) => command(client, query, values))
  }

  /** Runs `statement` on the kept connection when it is free, else on one from the pool. */
  private async on<T>(statement: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    if (this.busy || this.released || !this.keeps) return this.pooled(statement)
    this.busy = true
    let client: pg.PoolClient | null = null
    try {
      client = this.client ?? (await this.keep())
      return await statement(client)
    } catch (error) {
      if (client && !isStatementError(error)) this.drop(client, error)
      throw error
    } finally {
      this.busy = false
      if (this.released) this.giveBack()
    }
  }

  private async pooled<T>(statement: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    let broken: Error | true | undefined
    try {
      return await statement(client)
    } catch (error) {
      if (!isStatementError(error)) broken = destroyWith(error)
      throw error
    } finally {
      client.release(broken)
    }
  }

  /** Hands the connection back to the pool; later statements use the pool. */
  release(): void {
    this.released = true
    if (!this.busy) this.giveBack()
  }

  private async keep(): Promise<pg.PoolClient> {
    const client = await this.pool.connect()
    // Checked out, a connection has no error listener of the pool's: one that the server
    // drops while it is idle here must not crash the process.
    const onBroken = (error?: Error) => this.drop(client, error ?? new Error('the connection ended'))
    client.on('error', onBroken)
    client.on('end', onBroken)
    this.client = client
    this.onBroken = onBroken
    return client
  }

  private drop(client: pg.PoolClient, error: unknown): void {
    if (this.client !== client) return
    this.forget(client)
    client.release(destroyWith(error))
  }

  private giveBack(): void {
    const client = this.client
    if (!client) return
    this.forget(client)
    client.release()
  }

  private forget(client: pg.PoolClient): void {
    if (this.onBroken) {
      client.removeListener('error', this.onBroken)
      client.removeListener('end', this.onBroken)
    }
    this.client = null
    this.onBroken = null
  }
}

/**
 * An error the server sent for the statement leaves the connection as it was; any other (a
 * broken socket, the server ending the session: FATAL) does not.
 */
function isStatementError(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.severity === 'ERROR'
}

/** What `release` takes to destroy a connection instead of pooling it again: the error that broke it. */
function destroyWith(error: unknown): Error | true {
  return error instanceof Error ? error : true
}
