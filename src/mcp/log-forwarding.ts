import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { LoggingLevelSchema, SetLevelRequestSchema, type LoggingLevel } from '@modelcontextprotocol/sdk/types.js'
import { silentLogger, type Logger } from '../engine/logger.ts'
import type { WatchedExecutions } from './watched-executions.ts'

type ZartLevel = keyof Logger

/** Hears every line a logger is given, whatever level its own output keeps. */
export type LogListener = (level: ZartLevel, message: string, fields: Record<string, unknown> | undefined) => void

const ZART_LEVELS: readonly ZartLevel[] = ['debug', 'info', 'warn', 'error']
const MCP_LEVEL: Record<ZartLevel, LoggingLevel> = { debug: 'debug', info: 'info', warn: 'warning', error: 'error' }
/** MCP levels from least to most severe. */
const SEVERITY: readonly LoggingLevel[] = LoggingLevelSchema.options
const listenersOf = new WeakMap<Logger, Set<LogListener>>()

/**
 * Tees `logger` so `listener` also hears each line; returns what stops it.
 *
 * The tee is installed on the logger object itself, once: the engine, the worker and the
 * MCP servers of a process share the one logger the process made, so lines logged by the
 * engine reach every session without the engine knowing MCP exists. A frozen logger, and
 * the shared `silentLogger` (every client's default, whose lines could belong to anyone),
 * are left alone: nothing is heard from them.
 */
export function listenToLogger(logger: Logger, listener: LogListener): () => void {
  if (logger === silentLogger || Object.isFrozen(logger)) return () => {}
  let listeners = listenersOf.get(logger)
  if (!listeners) {
    listeners = new Set()
    listenersOf.set(logger, listeners)
    tee(logger, listeners)
  }
  listeners.add(listener)
  const added = listeners
  return () => void added.delete(listener)
}

function tee(logger: Logger, listeners: Set<LogListener>): void {
  for (const level of ZART_LEVELS) {
    const write = logger[level].bind(logger)
    logger[level] = (message, fields) => {
      write(message, fields)
      for (const listener of listeners) {
        try {
          listener(level, message, fields)
        } catch {
          // A listener must never break the code that logs; it has nowhere to report to.
        }
      }
    }
  }
}

/**
 * Announces the `logging` capability and, once the client has sent `logging/setLevel`,
 * forwards each line of `logger` at or above that level about an execution in `watched`
 * (one this session started or named) as `notifications/message` (logger `zart`, data
 * `{message, ...fields}`). Lines about other sessions' executions are not sent: over HTTP
 * one server process serves many agents. A client that never sets a level is sent
 * nothing. Forwarding stops when the session closes.
 *
 * The SDK's own setLevel handler would send every line to a client that never asked, so
 * this one replaces it (the capability is registered after construction, which leaves the
 * SDK's handler out).
 */
export function forwardLogs(server: McpServer, logger: Logger, watched: WatchedExecutions): void {
  const low = server.server
  low.registerCapabilities({ logging: {} })
  let threshold = -1
  let stop: (() => void) | undefined
  const send: LogListener = (level, message, fields) => {
    const mcpLevel = MCP_LEVEL[level]
    if (SEVERITY.indexOf(mcpLevel) < threshold) return
    // Only the lines about this session's executions (steps, retries, finishes, takeovers):
    // the server's own errors carry stack traces and internals that never go to an agent.
    if (!fields || !watched.has(fields.execution)) return
    // A closed or slow transport loses the line; logging the loss would loop back here.
    low
      .sendLoggingMessage({ level: mcpLevel, logger: 'zart', data: { message, ...withoutStacks(fields) } })
      .catch(() => {})
  }
  low.setRequestHandler(SetLevelRequestSchema, (request) => {
    threshold = SEVERITY.indexOf(request.params.level)
    stop ??= listenToLogger(logger, send)
    return {}
  })
  const previous = low.onclose
  low.onclose = () => {
    stop?.()
    previous?.()
  }
}

/** Field values with any stack trace cut off: the first line of an error says what happened. */
function withoutStacks(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [
      key,
      typeof value === 'string' ? value.split('\n    at ')[0] : value,
    ]),
  )
}
