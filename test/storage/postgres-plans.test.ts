import pg from 'pg'
import { describe, expect, it } from 'vitest'
import * as q from '../../src/storage/postgres/queries.ts'
import { newRowValues } from '../../src/storage/initial-state.ts'
import { UPDATED_COLUMNS } from '../../src/storage/rows.ts'
import { postgres, required, skipReason } from './backends.ts'

/** The columns of a row that finished, as a commit writes them. */
const finished = (id: string) => ({
  id,
  status: 'completed',
  current_step: null,
  output_json: '1',
  error_json: null,
  wait_event: null,
  wait_until: null,
  waits_json: null,
  workflow_retries: 0,
  takeovers: 0,
  progress_json: null,
  lease_owner: null,
  lease_expires_at: null,
  due_at: null,
  updated_at: 1,
})

const reason = skipReason(postgres)
const suite = reason === null || required.has('postgres') ? describe : describe.skip

/** Runs `test` with a client on a fresh, migrated schema, dropped afterwards unless it failed. */
async function onFreshSchema(test: (client: pg.Client) => Promise<void>): Promise<void> {
  if (reason !== null) throw new Error(reason)
  const { store, url } = await postgres.fresh()
  let failed = true
  const client = new pg.Client({ connectionString: url })
  try {
    await store.migrate()
    await client.connect()
    await test(client)
    failed = false
  } finally {
    await client.end()
    await store.close()
    await postgres.options.cleanup?.(store, failed)
  }
}

/**
 * A group commit must cost the rows it writes, not the whole table (the one-call commit of
 * known rows included). Its lock, its apply and the parent close lookup took their ids from a set-returning function of JSON, which
 * the planner costs at 100 rows: on a table of a few thousand executions it chose a
 * sequential scan for each, on every commit. Counted here with the transaction's own
 * statistics, which the session sees at once.
 */
suite('PostgreSQL commit queries', () => {
  it('find their rows through indexes, with no sequential scan of executions or events', async () => {
    await onFreshSchema(async (client) => {
      await client.query(`
        INSERT INTO zart_executions (id, workflow, input_json, status, created_at, updated_at, parent_id)
        SELECT 'e' || n, 'w', '{}', 'running', 0, 0, CASE WHEN n % 3 = 0 THEN 'e' || (n - 1) END
        FROM generate_series(1, 3000) AS n`)
      await client.query(`
        INSERT INTO zart_events (execution_id, name, payload_json, created_at)
        SELECT 'e' || n, 'go', 'null', 0 FROM generate_series(1, 3000) AS n`)
      await client.query('ANALYZE zart_executions; ANALYZE zart_events')
      const seqScans = async (): Promise<Record<string, number>> => {
        const { rows } = await client.query<{ relname: string; seq_scan: string }>(
          `SELECT relname, seq_scan FROM pg_stat_xact_user_tables WHERE relname IN ('zart_executions', 'zart_events')`,
        )
        return Object.fromEntries(rows.map((r) => [r.relname, Number(r.seq_scan)]))
      }
      const literal = (value: unknown) => client.escapeLiteral(JSON.stringify(value))

      await client.query('BEGIN')
      const before = await seqScans()
      await client.query(`SELECT zart_lock_for_commit(${literal(['e7', 'e8'])}::jsonb, ${literal(['e7'])}::jsonb)`)
      await client.query(q.LOCK_CLOSING.replace('$3', literal(['e8'])))
      await client.query(
        `SELECT zart_apply_commit(${literal([
          { id: 'e7', current_step: 's', takeovers: 0, progress_json: null, updated_at: 1 },
        ])}::jsonb, ${literal([finished('e8')])}::jsonb, '[]'::jsonb, ${literal([{ seq: 7, consumed_by: 'go' }])}::jsonb)`,
      )
      // The one-call commit of known rows (migration 0019): its fence on unfinished children
      // looks them up through the parent index too. e10 has none; e11 has e12, still running.
      const commitKnown = async (id: string): Promise<boolean> => {
        await client.query('SAVEPOINT known')
        try {
          await client.query(
            `SELECT zart_commit_known('[]'::jsonb, ${literal([
              { ...finished(id), current_step: 's2', updated_at: 2, token: 0 },
            ])}::jsonb, '[]'::jsonb)`,
          )
          return true
        } catch (error) {
          await client.query('ROLLBACK TO SAVEPOINT known')
          if ((error as { code?: string }).code === 'ZK001') return false
          throw error
        }
      }
      expect(await commitKnown('e10')).toBe(true)
      // Two rows: locked in id order first, each written through its index.
      await client.query(
        `SELECT zart_commit_known(${literal([
          { id: 'e13', current_step: 's3', takeovers: 0, progress_json: null, updated_at: 3, token: 0 },
          { id: 'e4', current_step: 's3', takeovers: 0, progress_json: null, updated_at: 3, token: 0 },
        ])}::jsonb, '[]'::jsonb, '[]'::jsonb)`,
      )
      expect(await commitKnown('e11')).toBe(false)
      const written = await client.query<{ id: string; status: string; current_step: string | null }>(
        `SELECT id, status, current_step FROM zart_executions WHERE id IN ('e10', 'e11', 'e13', 'e4') ORDER BY id`,
      )
      expect(written.rows).toEqual([
        { id: 'e10', status: 'completed', current_step: 's2' },
        { id: 'e11', status: 'running', current_step: null },
        { id: 'e13', status: 'running', current_step: 's3' },
        { id: 'e4', status: 'running', current_step: 's3' },
      ])
      // The same writes of one execution as one prepared statement (KNOWN_TOUCH, KNOWN_MOVE,
      // with or without a step): the row count says whether the fence held. e17 has e18,
      // still running.
      const step = (key: string) => [key, key, 'step', 'completed', null, null, 1, '1', null, 1, 1, null]
      const fenced = async (query: q.NamedQuery, values: unknown[]) =>
        (await client.query({ ...query, values })).rowCount
      expect(await fenced(q.KNOWN_TOUCH_STEP, ['e14', 0, 's4', 0, null, 4, ...step('s4')])).toBe(1)
      expect(await fenced(q.KNOWN_TOUCH_STEP, ['e14', 9, 's5', 0, null, 5, ...step('s5')])).toBe(0)
      // A step written again (its retry, then its end) counts as written too.
      expect(await fenced(q.KNOWN_TOUCH_STEP, ['e14', 0, 's4', 0, null, 6, ...step('s4')])).toBe(1)
      expect(await fenced(q.KNOWN_TOUCH, ['e15', 0, 's4', 0, '{"done":1}', 4])).toBe(1)
      expect(await fenced(q.KNOWN_TOUCH, ['e15', 9, 's4', 0, '{"done":2}', 5])).toBe(0)
      const moved = (id: string) => UPDATED_COLUMNS.map((column) => finished(id)[column])
      expect(await fenced(q.KNOWN_MOVE, ['e16', 0, ...moved('e16')])).toBe(1)
      expect(await fenced(q.KNOWN_MOVE_STEP, ['e17', 0, ...moved('e17'), ...step('s6')])).toBe(0)
      expect(await fenced(q.KNOWN_MOVE, ['e17', 0, ...moved('e17')])).toBe(0)
      expect(await fenced(q.KNOWN_MOVE_STEP, ['e19', 0, ...moved('e19'), ...step('s7')])).toBe(1)
      const steps = await client.query<{ execution_id: string; step_key: string }>(
        `SELECT execution_id, step_key FROM zart_steps ORDER BY execution_id, step_key`,
      )
      expect(steps.rows).toEqual([
        { execution_id: 'e14', step_key: 's4' },
        { execution_id: 'e19', step_key: 's7' },
      ])
      const progress = await client.query(`SELECT progress_json FROM zart_executions WHERE id = 'e15'`)
      expect(progress.rows).toEqual([{ progress_json: '{"done":1}' }])
      // A schedule of one: an id taken writes nothing (the caller then asks which row holds it).
      const createOne = (id: string) =>
        client.query({
          ...q.CREATE_ONE,
          values: newRowValues({
            id,
            workflow: 'w',
            inputJson: '{}',
            idempotencyKey: null,
            deadlineAt: null,
            runAt: 5,
            now: 5,
            version: null,
          }),
        })
      expect((await createOne('n1')).rowCount).toBe(1)
      expect((await createOne('e1')).rowCount).toBe(0)
      const after = await seqScans()
      await client.query('ROLLBACK')
      expect(after).toEqual(before)
    })
  })

  /**
   * A fenced write names its execution by id and also checks its status. Where statistics
   * say no row has that status (a table of finished executions, analysed before the last
   * burst), the planner read the row through the status index instead: every commit then
   * visited every running row, and every delivery every waiting one, dead index entries
   * included. Counted here as the buffers each statement touches (functions included).
   */
  it('find a fenced execution through its id, even where statistics say none is running or waiting', async () => {
    await onFreshSchema(async (client) => {
      await client.query(`
        INSERT INTO zart_executions (id, workflow, input_json, status, created_at, updated_at)
        SELECT 'e' || n, 'w', '{}', 'completed', 0, 0 FROM generate_series(1, 30000) AS n`)
      await client.query('ANALYZE zart_executions')
      // After the statistics: 12,000 running, 12,000 waiting for "go", 1,000 failed.
      await client.query(`UPDATE zart_executions SET status = CASE
          WHEN n <= 12000 THEN 'running' WHEN n <= 24000 THEN 'waiting' WHEN n <= 25000 THEN 'failed' ELSE status END,
        waits_json = CASE WHEN n > 12000 AND n <= 24000 THEN '[{"kind":"event","event":"go"}]' END
        FROM (SELECT id AS eid, substr(id, 2)::int AS n FROM zart_executions) AS x WHERE x.eid = id`)
      const touchedBlocks: Record<string, number> = {}
      // Each statement runs first on another row: a function's first call in a session
      // also reads the catalogs to plan its statements.
      const count = async (name: string, text: string, values: (id: string) => unknown[], warm: string, id: string) => {
        const explain = async (row: string) => {
          const { rows } = await client.query<{ 'QUERY PLAN': { Plan: Record<string, number> }[] }>({
            text: `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`,
            values: values(row),
          })
          const plan = rows[0]?.['QUERY PLAN'][0]?.Plan ?? {}
          return (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0)
        }
        await explain(warm)
        touchedBlocks[name] = await explain(id)
      }
      const step = (key: string) => [key, key, 'step', 'completed', null, null, 1, '1', null, 1, 1, null]
      const moved = (id: string) => UPDATED_COLUMNS.map((column) => finished(id)[column])
      const touched = (id: string) => ({
        id,
        current_step: 's',
        takeovers: 0,
        progress_json: null,
        updated_at: 1,
        token: 0,
      })

      await client.query('BEGIN')
      await count(
        'KNOWN_TOUCH_STEP',
        q.KNOWN_TOUCH_STEP.text,
        (id) => [id, 0, 's', 0, null, 1, ...step('s')],
        'e20',
        'e10',
      )
      await count('KNOWN_TOUCH', q.KNOWN_TOUCH.text, (id) => [id, 0, 's', 0, null, 1], 'e25', 'e15')
      await count('KNOWN_MOVE_STEP', q.KNOWN_MOVE_STEP.text, (id) => [id, 0, ...moved(id), ...step('t')], 'e21', 'e11')
      await count('KNOWN_MOVE', q.KNOWN_MOVE.text, (id) => [id, 0, ...moved(id)], 'e26', 'e16')
      const commitKnown = `SELECT zart_commit_known($1::jsonb, '[]'::jsonb, '[]'::jsonb)`
      await count('zart_commit_known', commitKnown, (id) => [JSON.stringify([touched(id)])], 'e22', 'e12')
      await count('HEARTBEAT', q.HEARTBEAT.text, (id) => [[id], [0], 99], 'e23', 'e13')
      await count('SET_PAUSED', q.SET_PAUSED.text, (id) => [1, 1, id], 'e24', 'e14')
      await count('RETRY', q.RETRY.text, (id) => [1, null, id], 'e24600', 'e24500')
      const event = (id: string) => ({ executionId: id, eventId: null, name: 'go', payloadJson: 'null', now: 1 })
      const deliver = (id: string) => [JSON.stringify([event(id)]), JSON.stringify([id])]
      await count('DELIVER_EVENTS', q.DELIVER_EVENTS.text, deliver, 'e13100', 'e13000')
      const written = await client.query<{ id: string; status: string; paused: number }>(
        `SELECT id, status, paused FROM zart_executions
         WHERE id IN ('e10', 'e11', 'e12', 'e14', 'e13000', 'e24500') ORDER BY substr(id, 2)::int`,
      )
      await client.query('ROLLBACK')
      // Each wrote its row (the fences held) through the id index: tens of buffers, not hundreds.
      expect(written.rows.map((r) => [r.id, r.status, r.paused])).toEqual([
        ['e10', 'running', 0],
        ['e11', 'completed', 0],
        ['e12', 'running', 0],
        ['e14', 'running', 1],
        ['e13000', 'pending', 0],
        ['e24500', 'pending', 0],
      ])
      expect(Object.keys(touchedBlocks)).toHaveLength(9)
      expect(Object.entries(touchedBlocks).filter(([, blocks]) => blocks > 100)).toEqual([])
    })
  })
})
