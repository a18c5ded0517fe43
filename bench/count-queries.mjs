/**
 * Preloaded (`node --import`) into a benchmark's `zart worker` child: counts the statements
 * the process sends to MySQL, as mysql2 reports each on its `mysql2:query` tracing channel
 * (every round trip of the store, its pool and its wake-up connections alike). On SIGUSR2
 * the count so far is appended to the file named by ZART_BENCH_QUERY_COUNT, so the bench
 * can take the rate of an idle worker from the client's side, whatever else the server
 * serves meanwhile.
 */
import { subscribe } from 'node:diagnostics_channel'
import { appendFileSync } from 'node:fs'

const file = process.env.ZART_BENCH_QUERY_COUNT
let count = 0
subscribe('tracing:mysql2:query:start', () => count++)
if (file) process.on('SIGUSR2', () => appendFileSync(file, `${count} ${performance.timeOrigin + performance.now()}\n`))
