import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers.ts'
import { json, runZart, startWorker, type BackgroundWorker } from '../fixtures/zart-process.ts'

interface Status {
  id: string
  status: string
  step: string | null
  waiting_for: { kind: string; event?: string; deadline: string | null }[] | null
  output?: { rows_written: number; published: boolean }
  steps?: { name: string; status: string; attempts: number }[]
}

let worker: BackgroundWorker | undefined
afterEach(async () => {
  await worker?.stop('SIGKILL')
  worker = undefined
})

describe('the agent session from the README, in separate processes', () => {
  it('schedules, waits at the approval, takes the event and completes', async () => {
    // A fresh machine: ZART_HOME is empty and the working folder has no ./workflows,
    // so the CLI uses $ZART_HOME/zart.db and the bundled examples.
    const home = tempDir()
    const cwd = tempDir()
    const options = { env: { ZART_HOME: home }, cwd }
    worker = startWorker([], options)
    await worker.started()

    const scheduled = await runZart(['schedule', 'data-pipeline', '--id', 'pipeline-001'], options)
    expect(scheduled).toMatchObject({ code: 0, stdout: 'scheduled | execution_id: pipeline-001\n', stderr: '' })
    expect(existsSync(join(home, 'zart.db'))).toBe(true)

    let status: Status | undefined
    for (let tries = 0; tries < 50 && status?.status !== 'waiting'; tries++) {
      const run = await runZart(['status', 'pipeline-001'], options)
      expect(run.code).toBe(0)
      status = json<Status>(run)
    }
    expect(status).toMatchObject({
      id: 'pipeline-001',
      status: 'waiting',
      step: 'approval',
      waiting_for: [{ event: 'approval' }],
    })
    expect(status?.waiting_for?.[0]?.deadline).toMatch(/^\d{4}-\d\d-\d\dT/)

    const event = await runZart(['event', 'pipeline-001', 'approval', '--data', '{"approved":true}'], options)
    expect(event).toMatchObject({ code: 0, stdout: 'delivered\n' })

    const waited = await runZart(['wait', 'pipeline-001', '--timeout', '30'], options)
    expect(waited.code).toBe(0)
    const final = json<Status>(waited)
    expect(final.status).toBe('completed')
    expect(final.output).toMatchObject({ rows_written: 990, published: true })

    const history = json<Status>(await runZart(['status', 'pipeline-001', '--steps'], options))
    expect(history.steps?.map((s) => [s.name, s.status])).toEqual([
      ['extract', 'completed'],
      ['transform', 'completed'],
      ['load', 'completed'],
      ['approval', 'completed'],
      ['publish', 'completed'],
    ])

    const stopped = await worker.stop('SIGTERM')
    expect(stopped.code).toBe(0)
    expect(stopped.stdout).toBe('')
    expect(stopped.stderr).toContain('"worker stopped"')
  })
})
