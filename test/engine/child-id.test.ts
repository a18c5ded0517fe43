import { describe, expect, it } from 'vitest'
import { childExecutionId } from '../../src/engine/child.ts'
import { EXECUTION_ID, nameProblem } from '../../src/names.ts'

describe('child execution ids', () => {
  it('are the parent id, "/", and the call key, with a repeat numbered by "-"', () => {
    expect(childExecutionId('order-1', 'charge')).toBe('order-1/charge')
    expect(childExecutionId('order-1', 'charge#3')).toBe('order-1/charge-3')
  })

  it('stay within the id rule when the parent id is long, the same on every call, one per key', () => {
    const parent = `p-${'x'.repeat(125)}`
    const a = childExecutionId(parent, 'resize#2')
    expect(nameProblem(EXECUTION_ID, a)).toBeUndefined()
    expect(a.length).toBeLessThanOrEqual(128)
    expect(a.startsWith(`${parent.slice(0, 96)}/h`)).toBe(true)
    expect(childExecutionId(parent, 'resize#2')).toBe(a)
    expect(childExecutionId(parent, 'resize#3')).not.toBe(a)
  })
})
