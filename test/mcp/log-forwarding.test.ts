import { describe, expect, it } from 'vitest'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { jsonLogger, silentLogger } from '../../src/engine/logger.ts'
import { forwardLogs, listenToLogger } from '../../src/mcp/log-forwarding.ts'
import { WatchedExecutions } from '../../src/mcp/watched-executions.ts'

/*
 * What only the server process can see: the tee keeps the logger's own output, and a closed
 * session stops listening.
 */

describe('listenToLogger', () => {
  it('tees every line, below the logger’s own level too, and keeps its output', () => {
    const written: string[] = []
    const logger = jsonLogger('warn', (line) => written.push(line))
    const heard: string[] = []
    const stop = listenToLogger(logger, (level, message) => heard.push(`${level} ${message}`))
    logger.info('quiet', { a: 1 })
    logger.warn('loud')
    expect(heard).toEqual(['info quiet', 'warn loud'])
    expect(written.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(['loud'])
    stop()
    logger.error('after')
    expect(heard).toHaveLength(2)
    expect(written).toHaveLength(2)
  })

  it('leaves the shared silent logger alone', () => {
    const before = silentLogger.info
    listenToLogger(silentLogger, () => {})()
    expect(silentLogger.info).toBe(before)
  })
})

function watching(...ids: string[]): WatchedExecutions {
  const watched = new WatchedExecutions()
  for (const id of ids) watched.add(id)
  return watched
}

describe('forwardLogs', () => {
  it('stops forwarding when the session closes', async () => {
    const logger = jsonLogger('error', () => {})
    const server = new McpServer({ name: 't', version: '1' })
    forwardLogs(server, logger, watching('e-1'))
    const [serverSide, clientSide] = InMemoryTransport.createLinkedPair()
    await server.connect(serverSide)
    const client = new Client({ name: 'c', version: '1' })
    const received: unknown[] = []
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void received.push(n.params))
    await client.connect(clientSide)
    await client.setLoggingLevel('debug')

    logger.debug('one', { execution: 'e-1', n: 1 })
    await client.ping() // notifications sent before the answer arrive before it
    expect(received).toEqual([{ level: 'debug', logger: 'zart', data: { message: 'one', execution: 'e-1', n: 1 } }])

    let sent = 0
    const send = server.server.sendLoggingMessage.bind(server.server)
    server.server.sendLoggingMessage = (params, sessionId) => (sent++, send(params, sessionId))
    await client.close()
    logger.warn('after close', { execution: 'e-1' })
    expect(sent).toBe(0)
  })

  it('forwards only lines about watched executions, and never a stack trace', async () => {
    const logger = jsonLogger('error', () => {})
    const server = new McpServer({ name: 't', version: '1' })
    forwardLogs(server, logger, watching('e-1'))
    const [serverSide, clientSide] = InMemoryTransport.createLinkedPair()
    await server.connect(serverSide)
    const client = new Client({ name: 'c', version: '1' })
    const received: unknown[] = []
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void received.push(n.params))
    await client.connect(clientSide)
    await client.setLoggingLevel('debug')
    const stack = 'Error: boom\n    at run (/srv/app/internal.ts:1:1)\n    at next (/srv/app/internal.ts:2:2)'
    logger.error('mcp tool failed', { error: stack })
    logger.warn('step failed; retrying', { execution: 'e-1', error: stack })
    logger.info('execution finished', { execution: 'e-2' }) // another session's
    await client.ping()
    expect(received).toEqual([
      {
        level: 'warning',
        logger: 'zart',
        data: { message: 'step failed; retrying', execution: 'e-1', error: 'Error: boom' },
      },
    ])
    await client.close()
  })
})
