/**
 * `@confab/postgres`: the Confab store for many processes and machines, on PostgreSQL through
 * node-postgres, with leases, an input queue and cross-process append and lifecycle fan-out
 * (LISTEN/NOTIFY). See {@link PostgresStore} and {@link PostgresLifecycleTransport}.
 */
export { PostgresLifecycleTransport } from './lifecycle-transport.js';
export { LATEST_SCHEMA_VERSION } from './migrations.js';
export type { PostgresStoreOptions } from './options.js';
export { PostgresStore } from './postgres-store.js';
