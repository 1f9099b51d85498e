// Apart from the connection code so that the public options name nothing of the driver: the
// published .d.ts of the store then loads no better-sqlite3 types.

/** How hard SQLite pushes each commit to disk (`PRAGMA synchronous`). */
export type SynchronousMode = 'FULL' | 'NORMAL' | 'OFF';
