import type { Pool } from 'confab';
import { afterEach, beforeEach } from 'vitest';
import { createSqliteFixture } from './sqlite-fixture.js';

/** What {@link usePoolFixture} gives each test: a fresh SQLite store, and a slot for its pool. */
export interface PoolFixture {
  fixture: Awaited<ReturnType<typeof createSqliteFixture>>;
  /** Set by the test; closed (then the store disposed) after it. */
  pool: Pool | null;
}

/**
 * Registers the hooks of a pool test file: before each test a real SQLite store in a fresh
 * directory, after it the test's pool closed and the store removed. Read `context.fixture` and set
 * `context.pool` inside tests only (the hooks replace them per test).
 */
export function usePoolFixture(): PoolFixture {
  const context = { pool: null } as PoolFixture;
  beforeEach(async () => {
    context.fixture = await createSqliteFixture();
  });
  afterEach(async () => {
    await context.pool?.close();
    context.pool = null;
    await context.fixture.dispose();
  });
  return context;
}
