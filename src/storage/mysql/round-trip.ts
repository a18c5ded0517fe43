import type mysql from 'mysql2/promise'

/** A pooled connection, as the store's helpers take it. */
export type Connection = mysql.PoolConnection

/** One statement of a multi-statement round trip; values fill its `?` placeholders. */
export interface Statement {
  sql: string
  values: unknown[]
}

/** Each transaction reads committed rows and takes no gap locks, so claims never block inserts. */
export const BEGIN: Statement[] = [
  { sql: 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED', values: [] },
  { sql: 'START TRANSACTION', values: [] },
]

export const COMMIT: Statement = { sql: 'COMMIT', values: [] }

/** Sends statements in one round trip; one result per statement, in order. */
export async function run(connection: Connection, statements: Statement[]): Promise<unknown[]> {
  const sql = statements.map((s) => s.sql).join(';\n')
  const values = statements.flatMap((s) => s.values)
  const [results] = await connection.query(sql, values)
  return statements.length === 1 ? [results] : (results as unknown[])
}
