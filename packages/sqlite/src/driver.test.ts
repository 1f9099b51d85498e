import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Database } from './driver.js';

const require = createRequire(import.meta.url);
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
// Where npm installed the optional better-sqlite3 13 (every `npm ci` on Node ≥ 22, CI's Node 24 leg
// included), the store must use it: 12 aborts Node 24 processes (see driver.ts).
const expected =
  NODE_MAJOR >= 22 ? { name: 'better-sqlite3-v13', major: '13' } : { name: 'better-sqlite3', major: '12' };

describe('the better-sqlite3 the store opens files with', () => {
  it(`is better-sqlite3 ${expected.major} on Node ${NODE_MAJOR}`, () => {
    expect(Database).toBe(require(expected.name));
    const { version } = require(`${expected.name}/package.json`) as { version: string };
    expect(version.split('.')[0]).toBe(expected.major);
  });

  it('opens, writes and reads a database', () => {
    const database = new Database(':memory:');
    try {
      database.exec('CREATE TABLE t (x INTEGER)');
      database.prepare('INSERT INTO t VALUES (?)').run(42);
      expect(database.prepare('SELECT x FROM t').pluck().get()).toBe(42);
    } finally {
      database.close();
    }
  });
});
