/** The SQL of the PostgreSQL adapter for cron schedules (`zart_schedules`), one named statement per operation. */
import type { NamedQuery } from './queries.ts'

const query = (name: string, text: string): NamedQuery => ({ name: `zart_${name}`, text })

/** Params: see `scheduleColumns`. Returns the row only when it was inserted. */
export const INSERT_SCHEDULE = query(
  'insert_schedule',
  `INSERT INTO zart_schedules (name, workflow, cron, timezone, input_json, overlap, catch_up, source, paused,
                               next_tick_at, created_at, updated_at)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
   ON CONFLICT (name) DO NOTHING
   RETURNING *`,
)

/** Params: see `scheduleDefinitionColumns`. */
export const REPLACE_SCHEDULE = query(
  'replace_schedule',
  `UPDATE zart_schedules
   SET workflow = $1, cron = $2, timezone = $3, input_json = $4, overlap = $5, catch_up = $6, source = $7,
       next_tick_at = $8, updated_at = $9
   WHERE name = $10`,
)

export const SELECT_SCHEDULE = query('select_schedule', `SELECT * FROM zart_schedules WHERE name = $1`)

export const LIST_SCHEDULES = query('list_schedules', `SELECT * FROM zart_schedules ORDER BY name`)

export const DELETE_SCHEDULE = query('delete_schedule', `DELETE FROM zart_schedules WHERE name = $1 RETURNING name`)

/** Params: paused, next tick, now, name. */
export const SET_SCHEDULE_PAUSED = query(
  'set_schedule_paused',
  `UPDATE zart_schedules SET paused = $1, next_tick_at = $2, updated_at = $3 WHERE name = $4 RETURNING name`,
)

/** Params: now, workflows, limit. */
/** $1 workflows. */
export const NEXT_SCHEDULE_TICK = query(
  'next_schedule_tick',
  `SELECT MIN(next_tick_at) AS at FROM zart_schedules WHERE paused = 0 AND workflow = ANY($1::text[])`,
)

export const DUE_SCHEDULES = query(
  'due_schedules',
  `SELECT * FROM zart_schedules
   WHERE paused = 0 AND next_tick_at <= $1 AND workflow = ANY($2::text[])
   ORDER BY next_tick_at
   LIMIT $3`,
)

/** Params: see `advanceColumns`. */
export const ADVANCE_SCHEDULE = query(
  'advance_schedule',
  `UPDATE zart_schedules
   SET next_tick_at = $1, last_tick_at = COALESCE($2, last_tick_at),
       last_execution_id = COALESCE($3, last_execution_id), updated_at = $4
   WHERE name = $5 AND next_tick_at = $6 AND paused = 0
   RETURNING name`,
)
