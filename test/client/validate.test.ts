import { describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { EVENT_ID, EXECUTION_ID, SCHEDULE_NAME, WORKFLOW_NAME } from '../../src/names.ts'
import {
  catchUpSchema,
  cronExpressionSchema,
  eventIdSchema,
  executionIdSchema,
  executionStatusSchema,
  overlapSchema,
  scheduleNameSchema,
  workflowNameSchema,
} from '../../src/client/schemas.ts'
import {
  CATCH_UP_ERROR,
  CATCH_UP_POLICIES,
  checkCronExpression,
  checkName,
  checkOneOf,
  EXECUTION_STATUS_ERROR,
  EXECUTION_STATUSES,
  OVERLAP_ERROR,
  OVERLAP_POLICIES,
  parseOrThrow,
} from '../../src/client/validate.ts'

/** What a check throws (or returns), as a plain value to compare. */
function outcome(run: () => unknown): unknown {
  try {
    return { ok: run() }
  } catch (error) {
    const { code, message, details } = error as { code: string; message: string; details: unknown }
    return { code, message, details }
  }
}

const VALUES: unknown[] = ['ok-1', '', ' spaced ', 'x'.repeat(300), '-dash', 'a#2', 3, null, undefined, {}, 'pending']

// The client checks without zod; the doors with zod schemas. A value must get the same
// answer, word for word, at both.
describe('the client checks and the doors schemas agree', () => {
  const cases: [string, z.ZodType, (value: unknown) => unknown][] = [
    ['execution id', executionIdSchema, (v) => checkName(EXECUTION_ID, v)],
    ['workflow name', workflowNameSchema, (v) => checkName(WORKFLOW_NAME, v)],
    ['workflow', workflowNameSchema, (v) => checkName(WORKFLOW_NAME, v, 'workflow')],
    ['schedule name', scheduleNameSchema, (v) => checkName(SCHEDULE_NAME, v)],
    ['event id', eventIdSchema, (v) => checkName(EVENT_ID, v)],
    ['status', executionStatusSchema, (v) => checkOneOf(EXECUTION_STATUSES, v, EXECUTION_STATUS_ERROR, 'status')],
    ['overlap', overlapSchema, (v) => checkOneOf(OVERLAP_POLICIES, v, OVERLAP_ERROR, 'overlap')],
    ['catch-up', catchUpSchema, (v) => checkOneOf(CATCH_UP_POLICIES, v, CATCH_UP_ERROR, 'catch-up')],
    ['cron expression', cronExpressionSchema, (v) => checkCronExpression(v)],
  ]
  for (const [what, schema, check] of cases) {
    it(what, () => {
      for (const value of [...VALUES, 'queue', 'latest', '0 9 * * 1-5']) {
        expect(
          outcome(() => check(value)),
          String(value),
        ).toEqual(outcome(() => parseOrThrow(schema, value, what)))
      }
    })
  }
})
