/** The SQL of the SQLite adapter for cron schedules (`zart_schedules`), one statement per operation. */

/** Params: see `scheduleColumns`. A name that exists is left as it is. */
export const INSERT_SCHEDULE = `
  INSERT INTO zart_schedules (name, workflow, cron, timezone, input_json, overlap, catch_up, source, paused,
                              next_tick_at, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (name) DO NOTHING`

/** Params: see `scheduleDefinitionColumns`. */
export const REPLACE_SCHEDULE = `
  UPDATE zart_schedules
  SET workflow = ?, cron = ?, timezone = ?, input_json = ?, overlap = ?, catch_up = ?, source = ?,
      next_tick_at = ?, updated_at = ?
  WHERE name = ?`

export const SELECT_SCHEDULE = `SELECT * FROM zart_schedules WHERE name = ?`

export const LIST_SCHEDULES = `SELECT * FROM zart_schedules ORDER BY name`

export const DELETE_SCHEDULE = `DELETE FROM zart_schedules WHERE name = ?`

/** Params: paused, next tick, now, name. */
export const SET_SCHEDULE_PAUSED = `
  UPDATE zart_schedules SET paused = ?, next_tick_at = ?, updated_at = ? WHERE name = ?`

/** Params: now, workflows (JSON array), limit. */
export const DUE_SCHEDULES = `
  SELECT * FROM zart_schedules
  WHERE paused = 0 AND next_tick_at <= ? AND workflow IN (SELECT value FROM json_each(?))
  ORDER BY next_tick_at
  LIMIT CAST(? AS INTEGER)`

/** Params: see `advanceColumns`. */
export const ADVANCE_SCHEDULE = `
  UPDATE zart_schedules
  SET next_tick_at = ?, last_tick_at = COALESCE(?, last_tick_at),
      last_execution_id = COALESCE(?, last_execution_id), updated_at = ?
  WHERE name = ? AND next_tick_at = ? AND paused = 0`
