import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { ZartError } from '../errors.ts'
import type { Store } from './store.ts'

/** `$ZART_HOME/zart.db`, with `ZART_HOME` defaulting to `~/.zart`. */
export function defaultDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.ZART_HOME && env.ZART_HOME.length > 0 ? env.ZART_HOME : join(homedir(), '.zart')
  return `sqlite:${join(home, 'zart.db')}`
}

/** Pool size from a `pool_size` URL parameter, which is ours and removed before the driver sees the URL. */
function takePoolSize(url: string): { url: string; poolSize: number | undefined } {
  const parsed = new URL(url)
  const raw = parsed.searchParams.get('pool_size')
  if (raw === null) return { url, poolSize: undefined }
  const poolSize = Number(raw)
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000) {
    throw new ZartError('INVALID_INPUT', `pool_size=${raw} is not valid: use a whole number from 1 to 1000`)
  }
  parsed.searchParams.delete('pool_size')
  return { url: parsed.toString(), poolSize }
}

/** Server databases by URL scheme; each driver is imported only when its URL is used. */
const adapters: Record<string, ((url: string) => Promise<Store>) | undefined> = {
  postgres: openPostgres,
  postgresql: openPostgres,
  mysql: openMysql,
  mariadb: openMysql,
}

async function openPostgres(url: string): Promise<Store> {
  const { PostgresStore } = await import('./postgres/postgres-store.ts').catch(missingDriver('pg'))
  const { url: clean, poolSize } = takePoolSize(url)
  return new PostgresStore(clean, poolSize === undefined ? {} : { poolSize })
}

async function openMysql(url: string): Promise<Store> {
  const { MysqlStore } = await import('./mysql/mysql-store.ts').catch(missingDriver('mysql2'))
  const { url: clean, poolSize } = takePoolSize(url.replace(/^mariadb:/i, 'mysql:'))
  return new MysqlStore(clean, poolSize === undefined ? {} : { poolSize })
}

function missingDriver(driver: string): (error: unknown) => never {
  return (error) => {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String(error).includes(`'${driver}'`)) {
      throw new ZartError('UNSUPPORTED_DATABASE', `this database needs the "${driver}" package: npm install ${driver}`)
    }
    throw error
  }
}

/**
 * Opens the store a URL names: `sqlite:PATH` (or a bare file path), `postgres://…`,
 * `postgresql://…`, `mysql://…` (or `mariadb://…`). Drivers load only when their URL is
 * used. Server URLs take `?pool_size=N` (default 10 connections).
 */
export async function openStore(url: string): Promise<Store> {
  // `--db postgres` or `--db mysql:host` would otherwise become a SQLite file of that name.
  const named = /^(postgres|postgresql|mysql|mariadb)(:(?!\/\/)|$)/i.exec(url)
  if (named?.[1]) {
    throw new ZartError(
      'INVALID_INPUT',
      `"${url}" is not a database URL: write ${named[1].toLowerCase()}://USER@HOST:PORT/DATABASE ` +
        `(to mean a SQLite file of that name, write ./${url})`,
    )
  }
  if (url.startsWith('sqlite:') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : url
    if (path.length === 0)
      throw new ZartError('INVALID_INPUT', 'sqlite: URL has no path: use sqlite:PATH, e.g. sqlite:./zart.db')
    const { SqliteStore } = await import('./sqlite/sqlite-store.ts')
    return new SqliteStore(path === ':memory:' ? path : resolve(path))
  }
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase()
  const open = adapters[scheme]
  if (open) return open(url)
  throw new ZartError(
    'UNSUPPORTED_DATABASE',
    `database URL scheme "${scheme}:" is not supported: use sqlite:PATH, postgres://… or mysql://…`,
  )
}
