import { join } from 'node:path'
import { expect, it } from 'vitest'
import { tempDir } from '../helpers.ts'
import { runZart } from '../fixtures/zart-process.ts'

/**
 * Two agent sessions that start `zart mcp` at the same moment open a database file that
 * does not exist yet. Switching a new file to WAL answers the loser SQLITE_BUSY at once,
 * without the busy timeout other statements wait out: every process must still start.
 */
it('processes opening a new SQLite file at the same moment all start', async () => {
  for (let round = 0; round < 8; round++) {
    const db = `sqlite:${join(tempDir(), 'zart.db')}`
    const runs = await Promise.all(Array.from({ length: 6 }, () => runZart(['migrate', '--db', db])))
    for (const run of runs) expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' })
  }
}, 120_000)
