/**
 * `@confab/sqlite`: the embedded default store of Confab, one SQLite file (WAL) through
 * better-sqlite3. See {@link SqliteStore}.
 */
import { LATEST_SCHEMA_VERSION as latestSchemaVersion } from './migrations.js';

export { SqliteStore, type SqliteStoreOptions, type SqliteStoreStats } from './sqlite-store.js';
export type { SynchronousMode } from './synchronous-mode.js';

/**
 * The schema version `migrate()` brings a database file to. Declared here rather than re-exported
 * so that the published types of this entry load nothing that names the driver's types.
 */
export const LATEST_SCHEMA_VERSION: number = latestSchemaVersion;
