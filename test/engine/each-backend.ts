import { afterEach, describe, it } from 'vitest'
import { openStore } from '../../src/index.ts'
import type { Store } from '../../src/storage/store.ts'
import { backends, required, skipReason, type Backend } from '../storage/backends.ts'

/** What a test gets from `eachBackend`: stores of one backend, cleaned up after the test. */
export interface TestBackend {
  name: Backend['name']
  /**
   * A store on a fresh, empty database (a SQLite file, a PostgreSQL schema, a MySQL
   * database), not yet migrated. After the test it is closed and its database dropped,
   * unless the test failed: then the database is kept for inspection.
   */
  store(): Promise<Store>
  /**
   * Another store on the same database as `store`, with nothing in memory: what a second
   * process, or the same one restarted, would open. Closed after the test.
   */
  reopen(store: Store): Promise<Store>
}

/**
 * `describe(title, define)` once per backend: SQLite always, PostgreSQL and MySQL when
 * their URL is set (see test/storage/backends.ts). A backend named in
 * ZART_TEST_REQUIRE_BACKENDS but not configured fails instead of skipping.
 *
 * Test titles read `title > on postgres > …`; scripts/check-backends.mjs looks for the
 * `on NAME` level to prove each required backend ran the engine tests.
 *
 * @example
 * eachBackend('replay', (backend) => {
 *   it('runs each step once', async () => {
 *     const zart = await createZart({ db: await backend.store(), workflows, clock })
 *   })
 * })
 */
export function eachBackend(title: string, define: (backend: TestBackend) => void): void {
  describe(title, () => {
    for (const backend of backends) {
      const reason = skipReason(backend)
      if (reason === null) {
        describe(`on ${backend.name}`, () => {
          const stores = new TestStores(backend)
          afterEach(async (context) => stores.dispose(context.task.result?.state === 'fail'))
          define(stores)
        })
      } else if (required.has(backend.name)) {
        describe(`on ${backend.name}`, () => {
          it('is required by ZART_TEST_REQUIRE_BACKENDS but cannot run', () => {
            throw new Error(reason)
          })
        })
      } else {
        warnOnce(reason)
        describe.skip(`on ${backend.name}`, () => define(unavailable(backend)))
      }
    }
  })
}

/** The stores one test opened: fresh databases, and more stores opened on them. */
class TestStores implements TestBackend {
  readonly name: Backend['name']
  private readonly urls = new Map<Store, string>()
  private fresh: Store[] = []
  private opened: Store[] = []

  private readonly backend: Backend

  constructor(backend: Backend) {
    this.backend = backend
    this.name = backend.name
  }

  async store(): Promise<Store> {
    const { store, url } = await this.backend.fresh()
    this.fresh.push(store)
    this.urls.set(store, url)
    return store
  }

  async reopen(store: Store): Promise<Store> {
    const url = this.urls.get(store)
    if (url === undefined) throw new Error('reopen() takes a store that store() returned in this test')
    const again = await openStore(url)
    this.opened.push(again)
    this.urls.set(again, url)
    return again
  }

  /** Closes every store, then drops the fresh databases (kept when the test failed). */
  async dispose(failed: boolean): Promise<void> {
    const opened = this.opened.splice(0)
    const fresh = this.fresh.splice(0)
    this.urls.clear()
    await Promise.all([...opened, ...fresh].map((store) => store.close()))
    await Promise.all(fresh.map((store) => this.backend.options.cleanup?.(store, failed)))
  }
}

/** Stands in for a backend that is skipped: its tests are registered but never run. */
function unavailable(backend: Backend): TestBackend {
  const fail = () => Promise.reject(new Error(skipReason(backend) ?? `${backend.name} is not available`))
  return { name: backend.name, store: fail, reopen: fail }
}

const warned = new Set<string>()
function warnOnce(reason: string): void {
  if (warned.has(reason)) return
  warned.add(reason)
  console.warn(reason)
}
