import type { Store } from '../storage/store.ts'

/** How the contract suite gets and disposes of stores; see `runStoreContract`. */
export interface StoreContractOptions {
  /**
   * Records a migration that this code does not know, as a newer zart would have; the
   * schema-too-new test runs only when this is given.
   */
  recordUnknownMigration?: (store: Store, name: string) => Promise<void>
  /** After each test, with the store already closed: drop what `makeStore` created. */
  cleanup?: (store: Store, failed: boolean) => Promise<void>
}

/** Hands each test fresh stores and closes and cleans them afterwards. */
export class ContractHarness {
  private readonly made: Store[] = []
  private readonly makeStore: () => Promise<Store>
  readonly options: StoreContractOptions

  constructor(makeStore: () => Promise<Store>, options: StoreContractOptions) {
    this.makeStore = makeStore
    this.options = options
  }

  /** A fresh, empty store; migrated unless `migrated` is false. */
  async store(migrated = true): Promise<Store> {
    const store = await this.makeStore()
    this.made.push(store)
    if (migrated) await store.migrate()
    return store
  }

  async dispose(failed: boolean): Promise<void> {
    for (const store of this.made.splice(0)) {
      await store.close()
      await this.options.cleanup?.(store, failed)
    }
  }
}
