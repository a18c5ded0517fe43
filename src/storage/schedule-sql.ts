/**
 * The statements on cron schedules (`zart_schedules`) that SQLite and MySQL write alike,
 * with `?` parameters. Each adapter's schedule-queries.ts re-exports them beside its own
 * (the insert and the due-tick read differ); PostgreSQL numbers its parameters.
 */

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

/** Params: see `advanceColumns`. */
export const ADVANCE_SCHEDULE = `
  UPDATE zart_schedules
  SET next_tick_at = ?, last_tick_at = COALESCE(?, last_tick_at),
      last_execution_id = COALESCE(?, last_execution_id), updated_at = ?
  WHERE name = ? AND next_tick_at = ? AND paused = 0`
