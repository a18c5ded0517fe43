import pg from 'pg'

const RECONNECT_MS = 1000

/**
 * Keeps one connection LISTENing on the wake-up channel and calls `onDue` for each
 * notification about our own schema. When the connection drops, it reconnects after a
 * second; meanwhile workers still poll, so a lost listener only costs latency.
 * Resolves once the first LISTEN is in place; the function it returns stops listening.
 */
export async function listen(
  config: pg.ClientConfig,
  listenSql: string,
  schemaSql: string,
  onDue: () => void,
): Promise<() => Promise<void>> {
  let stopped = false
  let client: pg.Client | null = null
  let retry: NodeJS.Timeout | undefined

  const connect = async (): Promise<void> => {
    const next = new pg.Client(config)
    next.on('error', () => reconnect(next))
    next.on('end', () => reconnect(next))
    await next.connect()
    const schema = (await next.query<{ schema: string | null }>(schemaSql)).rows[0]?.schema ?? null
    next.on('notification', (message) => {
      if (schema === null || message.payload === schema) onDue()
    })
    await next.query(listenSql)
    if (stopped) {
      await next.end().catch(() => {})
      return
    }
    client = next
    // Anything that became due while we were not listening is found by this poke.
    onDue()
  }

  const reconnect = (broken: pg.Client): void => {
    if (stopped || client !== broken) return
    client = null
    void broken.end().catch(() => {})
    clearTimeout(retry)
    retry = setTimeout(() => void connect().catch(() => reconnectLater()), RECONNECT_MS)
    retry.unref()
  }

  const reconnectLater = (): void => {
    if (stopped) return
    retry = setTimeout(() => void connect().catch(() => reconnectLater()), RECONNECT_MS)
    retry.unref()
  }

  await connect()
  return async () => {
    stopped = true
    clearTimeout(retry)
    const current = client
    client = null
    await current?.end().catch(() => {})
  }
}
