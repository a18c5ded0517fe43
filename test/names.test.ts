import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createZart, defineWorkflow, ZartError } from '../src/index.ts'
import {
  checkEventId,
  checkEventName,
  checkExecutionId,
  checkIdempotencyKey,
  checkStepName,
  checkWorkflowName,
  EVENT_ID,
  EVENT_NAME,
  EXECUTION_ID,
  IDEMPOTENCY_KEY,
  STEP_NAME,
  WORKFLOW_NAME,
} from '../src/names.ts'
import {
  eventIdSchema,
  eventNameSchema,
  executionIdSchema,
  idempotencyKeySchema,
  parseOrThrow,
  workflowNameSchema,
} from '../src/client/schemas.ts'
import { tempDb } from './helpers.ts'

const code = (fn: () => unknown): string | undefined => {
  try {
    fn()
    return undefined
  } catch (error) {
    return error instanceof ZartError ? `${error.code}: ${error.message}` : String(error)
  }
}

const ALL = [
  { check: checkWorkflowName, schema: workflowNameSchema, rule: WORKFLOW_NAME },
  { check: checkExecutionId, schema: executionIdSchema, rule: EXECUTION_ID },
  { check: checkEventName, schema: eventNameSchema, rule: EVENT_NAME },
  { check: checkIdempotencyKey, schema: idempotencyKeySchema, rule: IDEMPOTENCY_KEY },
  { check: checkEventId, schema: eventIdSchema, rule: EVENT_ID },
  { check: checkStepName, schema: undefined, rule: STEP_NAME },
]

const BAD_EVERYWHERE = ['', 'nul\u0000byte', 'tab\there', 'new\nline', ' lead', 'trail ', 'trail\u00a0', 'lone\ud800']

describe('one name rule (src/names.ts)', () => {
  it('refuses control characters, edge whitespace, lone surrogates and empty names for every kind', () => {
    for (const { check, rule } of ALL) {
      for (const bad of BAD_EVERYWHERE)
        expect(
          code(() => check(bad)),
          `${rule.what} ${JSON.stringify(bad)}`,
        ).toMatch(/^INVALID_INPUT: invalid /)
      expect(code(() => check('x'.repeat(rule.max + 1)))).toMatch(new RegExp(`over the limit of ${rule.max}`))
      expect(check('x'.repeat(rule.max))).toBe('x'.repeat(rule.max))
      expect(code(() => check(42))).toMatch(/must be a string/)
    }
  })

  it('keeps every limit within the smallest column of any store', () => {
    const mysql = readFileSync(new URL('../migrations/mysql/0001_init.sql', import.meta.url), 'utf8')
    const width = (table: string, column: string) => {
      const body = mysql.slice(mysql.indexOf(`CREATE TABLE ${table}`))
      const match = new RegExp(`\\n\\s*${column}\\s+VARCHAR\\((\\d+)\\)`).exec(body)
      return Number(match?.[1])
    }
    expect(EXECUTION_ID.max).toBeLessThanOrEqual(width('zart_executions', 'id'))
    expect(WORKFLOW_NAME.max).toBeLessThanOrEqual(width('zart_executions', 'workflow'))
    expect(EVENT_NAME.max).toBeLessThanOrEqual(width('zart_events', 'name'))
    expect(EVENT_NAME.max).toBeLessThanOrEqual(width('zart_executions', 'wait_event'))
    expect(IDEMPOTENCY_KEY.max).toBeLessThanOrEqual(width('zart_executions', 'idempotency_key'))
    expect(EVENT_ID.max).toBeLessThanOrEqual(width('zart_events', 'event_id'))
    // A step (or a wait, keyed by its event name) is stored under its name and under its
    // key, the name plus "#n" for repeats: room must remain for the suffix.
    expect(STEP_NAME.max).toBeLessThanOrEqual(width('zart_steps', 'name'))
    expect(Math.max(STEP_NAME.max, EVENT_NAME.max) + '#1000000000'.length).toBeLessThanOrEqual(
      width('zart_steps', 'step_key'),
    )
  })

  it('lets step names be free text, but never with "#", which numbers repeated steps', () => {
    expect(checkStepName('charge card')).toBe('charge card')
    expect(checkStepName('étape 1/2: préparer')).toBe('étape 1/2: préparer')
    expect(code(() => checkStepName('fetch#2'))).toMatch(/must not contain "#"/)
  })

  it('uses one rule for event names wherever they enter', () => {
    // 'order shipped' used to be accepted by waitForEvent and refused at delivery.
    expect(code(() => checkEventName('order shipped'))).toMatch(/event name "order shipped" may contain only letters/)
    expect(code(() => parseOrThrow(eventNameSchema, 'order shipped', 'event name'))).toBe(
      code(() => checkEventName('order shipped')),
    )
    for (const good of ['order-shipped', 'app/user.created', 'v2:approval_1']) expect(checkEventName(good)).toBe(good)
  })

  it('gives the zod schemas of the doors the same verdicts and messages as the check functions', () => {
    const samples = [...BAD_EVERYWHERE, 'ok', 'two words', 'a#b', 'x'.repeat(129), 'x'.repeat(257), '-lead', 'ünï']
    for (const { check, schema, rule } of ALL) {
      if (!schema) continue
      for (const sample of samples)
        expect(
          code(() => parseOrThrow(schema, sample, rule.what)),
          `${rule.what} ${JSON.stringify(sample)}`,
        ).toBe(code(() => check(sample)))
    }
  })

  it('publishes the rule as JSON Schema for agents', () => {
    expect(z.toJSONSchema(eventNameSchema)).toMatchObject({ type: 'string', minLength: 1, maxLength: 128 })
    const pattern = (z.toJSONSchema(idempotencyKeySchema) as { pattern: string }).pattern
    expect(new RegExp(pattern, 'u').test(' padded ')).toBe(false)
    expect(new RegExp(pattern, 'u').test('any key, with spaces')).toBe(true)
  })
})

describe('registering a workflow', () => {
  const body = async () => null

  it('refuses a declared event name that delivery could never accept', async () => {
    const bad = defineWorkflow({ name: 'ships', events: { 'order shipped': z.object({}) } }, body)
    await expect(createZart({ db: tempDb(), workflows: [bad] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/cannot register workflow "ships": in its events, event name "order shipped"/),
    })
  })

  it('refuses a workflow name outside the rule', async () => {
    await expect(
      createZart({ db: tempDb(), workflows: [defineWorkflow({ name: 'two words' }, body)] }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/cannot register workflow: workflow name "two words"/),
    })
  })
})
