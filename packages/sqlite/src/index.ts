/**
 * `@confab/sqlite`: the embedded default store of Confab, one SQLite file (WAL) through
 * better-sqlite3. See {@link SqliteStore}.
 */

export { LATEST_SCHEMA_VERSION } from './migrations.js';
export { SqliteStore, type SqliteStoreOptions, type SqliteStoreStats } from './sqlite-store.js';
export type { SynchronousMode } from './synchronous-mode.js';
