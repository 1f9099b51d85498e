import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/**
 * better-sqlite3's `Database` class, from the major that is safe on the running Node:
 * - on Node ≥ 22, better-sqlite3 13 (the optional `better-sqlite3-v13`, a Node-API build shipped
 *   prebuilt in its package), when npm installed it;
 * - otherwise better-sqlite3 12.
 *
 * Why not 12 everywhere: 12's classes derive from `node::ObjectWrap`, and since Node 24.19 that
 * header registers an environment cleanup hook per object and removes it in the destructor with
 * `RemoveEnvironmentCleanupHook(Isolate::GetCurrent(), …)`, which aborts the process (`Assertion
 * failed: (env) != nullptr`) when no JavaScript context is entered. V8 runs an object's weak
 * callback, and so that destructor, from whatever garbage collection frees it, including one
 * started by a platform task outside any context: a process on Node 24 with 12 built from its
 * headers dies at a random moment after a `Statement` became garbage (nodejs/node#65446).
 * 13 uses Node-API wrappers and has no such hook. Why not 13 everywhere: it needs Node ≥ 22 and
 * crashes on Node 20 (its `engines` says so, and npm leaves the optional alias out there).
 * Both majors have the same JavaScript API.
 */
export const Database: typeof BetterSqlite3 = loadDatabase();

function loadDatabase(): typeof BetterSqlite3 {
  if (NODE_MAJOR >= 22) {
    try {
      return require('better-sqlite3-v13') as typeof BetterSqlite3;
    } catch (error) {
      // Not installed (an install made on Node 20, or with optional dependencies omitted): 12 it is.
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  return require('better-sqlite3') as typeof BetterSqlite3;
}
