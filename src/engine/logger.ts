/** Where the engine reports what it does. The default writes JSON lines to stderr. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

type Level = 'debug' | 'info' | 'warn' | 'error'
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/**
 * One JSON object per line on stderr (never stdout: the stdio MCP server owns it).
 * `level` hides anything less severe; `ZART_LOG_LEVEL` sets it for the CLI.
 */
export function jsonLogger(
  level: Level = 'info',
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const emit = (at: Level) => (message: string, fields?: Record<string, unknown>) => {
    if (ORDER[at] < ORDER[level]) return
    write(`${JSON.stringify({ time: new Date().toISOString(), level: at, message, ...fields })}\n`)
  }
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') }
}

/** Drops everything; the default for library use and tests. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }
