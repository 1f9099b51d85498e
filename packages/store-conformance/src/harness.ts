import type { SessionStore } from 'confab/store';
import { afterEach, beforeEach } from 'vitest';

/** How the suite obtains and disposes of a store under test. */
export interface StoreConformanceOptions {
  /** Shown in test names, e.g. `sqlite`. */
  name: string;
  /**
   * A fresh, empty store. The suite calls `migrate()` on it. When `now` is given the store must use
   * it as its clock: the parity test freezes time to compare outcomes with `MemoryStore` exactly.
   */
  createStore: (options?: { now?: () => Date }) => Promise<SessionStore> | SessionStore;
  /** Releases the store and anything it created (files, databases). */
  destroyStore?: (store: SessionStore) => Promise<void> | void;
  /**
   * Tests to skip, by their full name within the suite, each with the written reason. A skip without
   * a reason is refused.
   */
  skip?: Record<string, string>;
}

/** What each spec receives: the current store (fresh per test) and the skip list. */
export interface ConformanceContext {
  readonly store: SessionStore;
  readonly options: StoreConformanceOptions;
}

/** Registers hooks that give each test a fresh, migrated store, and returns the live context. */
export function useFreshStore(options: StoreConformanceOptions): ConformanceContext {
  let current: SessionStore | null = null;
  beforeEach(async () => {
    current = await options.createStore();
    await current.migrate();
  });
  afterEach(async () => {
    if (current) await options.destroyStore?.(current);
    current = null;
  });
  return {
    options,
    get store(): SessionStore {
      if (!current) throw new Error('the store is only available inside a test');
      return current;
    },
  };
}
