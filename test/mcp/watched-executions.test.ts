import { describe, expect, it } from 'vitest'
import { WatchedExecutions } from '../../src/mcp/watched-executions.ts'

describe('WatchedExecutions', () => {
  it('forgets the id named longest ago past its cap; naming one again keeps it', () => {
    const watched = new WatchedExecutions(2)
    watched.add('a')
    watched.add('b')
    watched.add('a')
    watched.add('c')
    expect(['a', 'b', 'c'].filter((id) => watched.has(id))).toEqual(['a', 'c'])
  })

  it('watches what a call names and the execution a result shows, not a list page', () => {
    const watched = new WatchedExecutions()
    watched.addArguments({ execution_id: 'named', workflow: 'w' })
    watched.addResult({ execution_id: 'scheduled', status: 'pending', created: true })
    watched.addResult({ id: 'parent', workflow: 'w', children: [{ id: 'child', workflow: 'c', status: 'running' }] })
    watched.addResult({ executions: [{ id: 'listed', workflow: 'w' }], next_cursor: null })
    watched.addArguments({ execution_id: 'x'.repeat(10_000) })
    expect(['named', 'scheduled', 'parent', 'child'].every((id) => watched.has(id))).toBe(true)
    expect(watched.has('listed')).toBe(false)
    expect(watched.has('x'.repeat(10_000))).toBe(false)
  })
})
