import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createZart } from '../../src/index.ts'
import { dataPipeline } from '../../workflows/data-pipeline.ts'
import { dump, tempDir } from '../helpers.ts'
import { runZart } from '../fixtures/zart-process.ts'

/** Each mistake a caller can make, and what the one-line error must say. */
const CASES: [what: string, args: string[], message: RegExp][] = [
  ['unknown workflow', ['schedule', 'nope'], /unknown workflow "nope": known workflows are/],
  ['unknown execution (status)', ['status', 'nope'], /no execution with id "nope"/],
  [
    'unknown execution (event)',
    ['event', 'nope', 'approval', '--data', '{"approved":true}'],
    /no execution with id "nope"/,
  ],
  ['unknown execution (cancel)', ['cancel', 'nope'], /no execution with id "nope"/],
  ['unknown execution (wait)', ['wait', 'nope'], /no execution with id "nope"/],
  ['invalid JSON in --data', ['schedule', 'data-pipeline', '--data', '{rows: 5}'], /--data is not valid JSON/],
  ['invalid JSON in event --data', ['event', 'waiting-1', 'approval', '--data', 'yes'], /--data is not valid JSON/],
  [
    'a --data file that is missing',
    ['schedule', 'data-pipeline', '--data', '@no-such-file.json'],
    /cannot read --data file/,
  ],
  [
    'data failing the input schema',
    ['schedule', 'data-pipeline', '--data', '{"rows":-3}'],
    /invalid data for workflow "data-pipeline": rows:/,
  ],
  [
    'event data failing its schema',
    ['event', 'waiting-1', 'approval', '--data', '{"approved":"yes"}'],
    /invalid data for event "approval": approved:/,
  ],
  [
    'an id used with other input',
    ['schedule', 'data-pipeline', '--id', 'done-1', '--data', '{"rows":8}'],
    /execution id "done-1" already exists/,
  ],
  [
    'an event to a terminal execution',
    ['event', 'done-1', 'approval', '--data', '{"approved":true}'],
    /"done-1" is already completed/,
  ],
  ['cancelling a terminal execution', ['cancel', 'done-1'], /"done-1" is already completed/],
  ['an invalid execution id', ['status', 'white space'], /invalid execution id/],
  ['an unknown flag', ['schedule', 'data-pipeline', '--dta', '{}'], /unknown option '--dta'/],
  ['a bad flag value', ['list', '--limit', 'many'], /argument 'many' is invalid/],
  ['a limit out of range', ['list', '--limit', '1000'], /invalid limit/],
  ['an unknown status filter', ['list', '--status', 'done'], /status must be one of/],
  ['a bad cursor', ['list', '--cursor', 'xyz'], /cursor "xyz" is not valid/],
  ['a missing argument', ['event', 'waiting-1'], /missing required argument 'name'/],
  ['an unknown command', ['launch'], /unknown command 'launch'/],
  ['a backend name instead of a URL', ['--db', 'postgres', 'status', 'x'], /"postgres" is not a database URL/],
  ['a missing workflows path', ['--workflows', 'no/such/dir', 'workflows'], /workflows path .* does not exist/],
]

describe('bad input to the CLI', () => {
  it('exits 2 with one line on stderr, no stack trace, and leaves the database as it was', async () => {
    const home = tempDir()
    const path = join(home, 'zart.db')
    const zart = await createZart({ db: `sqlite:${path}`, workflows: [dataPipeline] })
    await zart.schedule('data-pipeline', { rows: 100 }, { id: 'done-1' })
    await zart.schedule('data-pipeline', { rows: 200 }, { id: 'waiting-1' })
    await zart.drain()
    await zart.deliverEvent('done-1', 'approval', { approved: true })
    await zart.drain()
    expect((await zart.status('done-1')).status).toBe('completed')
    expect((await zart.status('waiting-1')).status).toBe('waiting')
    await zart.close()

    const options = { env: { ZART_HOME: home } }
    const listBefore = await runZart(['list', '--json'], options)
    const before = dump(path)

    const runs = await Promise.all(CASES.map(([, args]) => runZart(args, options)))
    CASES.forEach(([what, , message], i) => {
      const run = runs[i]
      expect({ what, code: run?.code, stdout: run?.stdout }).toEqual({ what, code: 2, stdout: '' })
      expect(run?.stderr, what).toMatch(/^error: [^\n]+\n$/)
      expect(run?.stderr, what).toMatch(message)
      expect(run?.stderr, what).not.toMatch(/\n\s+at /)
    })

    const listAfter = await runZart(['list', '--json'], options)
    expect(listAfter.code).toBe(0)
    expect(listAfter.stdout).toBe(listBefore.stdout)
    expect(dump(path)).toEqual(before)
  })
})
