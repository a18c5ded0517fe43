/** The SQL of the SQLite adapter for cron schedules (`zart_schedules`), one statement per operation. */

export {
  ADVANCE_SCHEDULE,
  DELETE_SCHEDULE,
  LIST_SCHEDULES,
  REPLACE_SCHEDULE,
  SELECT_SCHEDULE,
  SET_SCHEDULE_PAUSED,
} from '../schedule-sql.ts'

/** Params: see `scheduleColumns`. A name that exists is left as it is. */
export const INSERT_SCHEDULE = `
  INSERT INTO zart_schedules (name, workflow, cron, timezone, input_json, overlap, catch_up, source, paused,
                              next_tick_at, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (name) DO NOTHING`

/** Params: workflows (JSON array). */
export const NEXT_SCHEDULE_TICK = `
  SELECT MIN(next_tick_at) AS at FROM zart_schedules
  WHERE paused = 0 AND workflow IN (SELECT value FROM json_each(?))`

/** Params: now, workflows (JSON array), limit. */
export const DUE_SCHEDULES = `
  SELECT * FROM zart_schedules
  WHERE paused = 0 AND next_tick_at <= ? AND workflow IN (SELECT value FROM json_each(?))
  ORDER BY next_tick_at
  LIMIT CAST(? AS INTEGER)`
