import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { ZartError } from '../errors.ts'
import type { Store } from './store.ts'

/** `$ZART_HOME/zart.db`, with `ZART_HOME` defaulting to `~/.zart`. */
export function defaultDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.ZART_HOME && env.ZART_HOME.length > 0 ? env.ZART_HOME : join(homedir(), '.zart')
  return `sqlite:${join(home, 'zart.db')}`
}

/**
 * Opens the store a URL names: `sqlite:PATH` (or a bare file path), `postgres://…`,
 * `postgresql://…`, `mysql://…`. Drivers load only when their URL is used.
 */
export async function openStore(url: string): Promise<Store> {
  if (url.startsWith('sqlite:') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : url
    if (path.length === 0) throw new ZartError('INVALID_INPUT', 'sqlite: URL has no path: use sqlite:PATH, e.g. sqlite:./zart.db')
    const { SqliteStore } = await import('./sqlite/sqlite-store.ts')
    return new SqliteStore(path === ':memory:' ? path : resolve(path))
  }
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase()
  const adapters: Record<string, (() => Promise<Store>) | undefined> = {}
  const open = adapters[scheme]
  if (open) return open()
  throw new ZartError(
    'UNSUPPORTED_DATABASE',
    `database URL scheme "${scheme}:" is not supported: use sqlite:PATH, postgres://… or mysql://…`,
  )
}
