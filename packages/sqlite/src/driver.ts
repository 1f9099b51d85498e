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
 * `RemoveEnvironmentCleanupHook(Isolate::GetCurrent(), …)`, which CHECKs that Node finds a current
 * Environment. When V8 frees a `Statement` that became garbage, the destructor runs from a weak
 * callback inside the garbage collection, where that lookup can come back empty, and the process
 * aborts (`Assertion failed: (env) != nullptr`): at a random moment, not only at exit
 * (nodejs/node#65446; a core dump of our crash test on Node 24.21 shows it inside a collection
 * started by a microtask, mid-test).
 * 13 uses Node-API wrappers and has no such hook. Why not 13 everywhere: its `engines` asks for
 * Node ≥ 22 (npm leaves the optional alias out on Node 20), and it segfaults on Node 20.
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
