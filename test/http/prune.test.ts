import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createZart } from '../../src/index.ts'
import { json, runZart } from '../fixtures/zart-process.ts'
import { tempDir } from '../helpers.ts'
import { approvalFlow, quick } from '../mcp/fixtures/workflows.ts'
import { zartArgs } from '../mcp/helpers.ts'
import { dump, WORKFLOWS } from './helpers.ts'

function rows(path: string, id: string): { executions: number; steps: number; events: number } {
  const tables = dump(path) as Record<string, { id?: string; execution_id?: string }[]>
  return {
    executions: tables.zart_executions!.filter((r) => r.id === id).length,
    steps: tables.zart_steps!.filter((r) => r.execution_id === id).length,
    events: tables.zart_events!.filter((r) => r.execution_id === id).length,
  }
}

describe('zart prune', () => {
  it('deletes finished executions with their steps and events, never live ones', async () => {
    const path = join(tempDir(), 'zart.db')
    const db = `sqlite:${path}`
    const zart = await createZart({ db, workflows: [quick, approvalFlow] })
    await zart.schedule('quick', {}, { id: 'done-1' })
    await zart.schedule('approval-flow', { rows: 1 }, { id: 'approved-1' })
    await zart.schedule('approval-flow', { rows: 1 }, { id: 'waiting-1' })
    await zart.schedule('approval-flow', { rows: 1 }, { id: 'cancelled-1' })
    await zart.schedule('quick', {}, { id: 'later-1', runAt: Date.now() + 3_600_000 })
    await zart.drain()
    await zart.deliverEvent('approved-1', 'approval', { approved: true })
    await zart.deliverEvent('waiting-1', 'note', { buffered: true })
    await zart.cancel('cancelled-1')
    await zart.drain()
    expect((await zart.status('approved-1')).status).toBe('completed')
    await zart.close()
    expect(rows(path, 'approved-1')).toEqual({ executions: 1, steps: 2, events: 1 })
    await new Promise((resolve) => setTimeout(resolve, 20)) // so "older than 0s" covers them all

    const args = zartArgs(db, WORKFLOWS)
    const recent = await runZart([...args, 'prune', '--older-than', '1h'])
    expect(json(recent)).toMatchObject({ deleted: 0 })

    const completed = await runZart([...args, 'prune', '--older-than', '0s', '--status', 'completed'])
    expect(completed.code).toBe(0)
    expect(json(completed)).toMatchObject({ deleted: 2, statuses: ['completed'] })
    expect(rows(path, 'approved-1')).toEqual({ executions: 0, steps: 0, events: 0 })
    expect(rows(path, 'done-1').executions).toBe(0)
    expect(rows(path, 'cancelled-1').executions).toBe(1)

    const live = await runZart([...args, 'prune', '--older-than', '0s', '--status', 'waiting'])
    expect(live.code).toBe(2)
    expect(live.stderr).toMatch(/cannot prune waiting executions: only finished ones/)

    const all = await runZart([...args, 'prune', '--older-than', '0s'])
    expect(json(all)).toMatchObject({ deleted: 1 })
    expect(rows(path, 'cancelled-1').executions).toBe(0)
    // The waiting execution keeps its steps and its buffered event; the scheduled one stays.
    expect(rows(path, 'waiting-1')).toEqual({ executions: 1, steps: 2, events: 1 })
    expect(rows(path, 'later-1').executions).toBe(1)

    const bad = await runZart([...args, 'prune', '--older-than', 'soon'])
    expect(bad.code).toBe(2)
  })
})
