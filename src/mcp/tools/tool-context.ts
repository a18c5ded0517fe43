import { silentLogger, type Logger } from '../../engine/logger.ts'
import type { WatchedExecutions } from '../watched-executions.ts'

/** What tools need besides the client: where to log, the knobs of `wait`, what the session watches. */
export interface ToolContext {
  logger: Logger
  /** How often `wait` sends progress when the client gave a progress token, in ms. */
  progressIntervalMs: number
  /** Whether `wait` may ask the person for a waited-for event when the client supports elicitation. */
  elicitation: boolean
  /** Only the tools that read (status, wait, lists, replay check): for agents that may watch but not act. */
  readOnly?: boolean | undefined
  /** The dashboard page of an execution, when `zart serve` serves one: `status` adds it as `dashboard_url`. */
  dashboardUrl?: ((executionId: string) => string | undefined) | undefined
  /** The executions this session started or named: the only ones whose log lines it is sent. */
  watched?: WatchedExecutions | undefined
}

export const defaultToolContext: ToolContext = { logger: silentLogger, progressIntervalMs: 3_000, elicitation: true }
