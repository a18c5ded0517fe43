import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers.ts'
import { runZart } from '../fixtures/zart-process.ts'

/**
 * Every CLI flag that takes a duration refuses what `parseDuration` refuses at the other
 * doors: too long (above 3650d) or not a duration, with exit 2 and the reason on one line.
 */
const CASES: [what: string, args: string[]][] = [
  ['worker --lease', ['worker', '--lease', '100000000d']],
  ['worker --grace', ['worker', '--grace', '3651d']],
  ['worker --poll', ['worker', '--poll', '100000000d']],
  ['worker --retention', ['worker', '--retention', '100000000d']],
  ['serve --grace', ['serve', '--grace', '100000000d']],
  ['prune --older-than', ['prune', '--older-than', '100000000d']],
  ['wait --timeout in seconds', ['wait', 'some-id', '--timeout', '99999999999']],
]

describe('duration flags out of range', () => {
  it.each(CASES)('%s is refused with exit 2, saying the limit', async (_what, args) => {
    const run = await runZart(args, { env: { ZART_HOME: tempDir() } })
    expect(run.stderr).toMatch(/too long: at most 3650d/)
    expect(run.stderr).not.toMatch(/RangeError|\n\s+at /)
    expect(run.code).toBe(2)
  })

  it('still says what a duration looks like when the value is not one', async () => {
    const run = await runZart(['worker', '--lease', 'soon'], { env: { ZART_HOME: tempDir() } })
    expect(run.stderr).toMatch(/"soon" is not a duration/)
    expect(run.code).toBe(2)
  })
})
