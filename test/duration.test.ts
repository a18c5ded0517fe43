import { describe, expect, it } from 'vitest'
import * as duration from '../src/duration.ts'
import { createZart, defineWorkflow, ZartError } from '../src/index.ts'
import { tempDb } from './helpers.ts'

const { parseDuration } = duration
/** Read through the namespace so this file still loads (and fails clearly) before they exist. */
const isoTime = (ms: number) => (duration as unknown as { isoTime: (ms: number) => string }).isoTime(ms)
const MAX_DURATION_MS = (duration as unknown as { MAX_DURATION_MS?: number }).MAX_DURATION_MS

function refused(run: () => unknown): ZartError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ZartError)
    expect((error as ZartError).code).toBe('INVALID_INPUT')
    return error as ZartError
  }
  throw new Error('expected the value to be refused')
}

describe('parseDuration range', () => {
  it('accepts up to the documented maximum of 3650 days', () => {
    expect(MAX_DURATION_MS).toBe(3650 * 86_400_000)
    expect(parseDuration('3650d')).toBe(3650 * 86_400_000)
    expect(parseDuration(3650 * 86_400_000)).toBe(3650 * 86_400_000)
    expect(parseDuration('0')).toBe(0)
  })

  it('refuses a duration above the maximum, saying what the limit is', () => {
    const error = refused(() => parseDuration('100000000d', 'workflow timeout'))
    expect(error.message).toMatch(/workflow timeout "100000000d" is too long/)
    expect(error.message).toMatch(/3650d/)
    refused(() => parseDuration('3651d'))
    refused(() => parseDuration(3650 * 86_400_000 + 1))
    refused(() => parseDuration('1e400'))
  })

  it('refuses negative and non-finite numbers, naming which', () => {
    expect(refused(() => parseDuration(-1, 'grace')).message).toMatch(/grace -1 is negative/)
    expect(refused(() => parseDuration(Number.NaN)).message).toMatch(/not a finite number/)
    expect(refused(() => parseDuration(Number.POSITIVE_INFINITY)).message).toMatch(/not a finite number/)
    expect(refused(() => parseDuration('-5s')).message).toMatch(/not a duration/)
  })
})

describe('isoTime', () => {
  it('formats times Date can hold', () => {
    expect(isoTime(0)).toBe('1970-01-01T00:00:00.000Z')
    expect(isoTime(Date.UTC(2030, 0, 2))).toBe('2030-01-02T00:00:00.000Z')
  })

  it('never throws for a stored number out of range: it clamps to the years 0000-9999', () => {
    expect(isoTime(8.64e15 + 1)).toBe('9999-12-31T23:59:59.999Z')
    expect(isoTime(Number.MAX_SAFE_INTEGER)).toBe('9999-12-31T23:59:59.999Z')
    expect(isoTime(Number.POSITIVE_INFINITY)).toBe('9999-12-31T23:59:59.999Z')
    expect(isoTime(-8.64e15 - 1)).toBe('0000-01-01T00:00:00.000Z')
    expect(isoTime(Number.NaN)).toBe('1970-01-01T00:00:00.000Z')
  })
})

describe('workflow timeout at registration', () => {
  it('refuses a workflow declared with an absurd timeout when it is registered, not when scheduled', async () => {
    const absurd = defineWorkflow({ name: 'absurd', timeout: '100000000d' }, async () => 'x')
    const error = await createZart({ db: tempDb(), workflows: [absurd] }).then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ZartError)
    expect((error as ZartError).code).toBe('INVALID_INPUT')
    expect((error as ZartError).message).toMatch(/workflow "absurd" timeout "100000000d" is too long/)
  })

  it('refuses a malformed timeout at registration too', async () => {
    const bad = defineWorkflow({ name: 'bad', timeout: 'soon' }, async () => 'x')
    await expect(createZart({ db: tempDb(), workflows: [bad] })).rejects.toThrow(/workflow "bad" timeout "soon"/)
  })
})
