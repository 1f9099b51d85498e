import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@confab/sqlite';
import { poolTurns } from '/work/wt/i12/bench/scenarios/pool-turns.ts';

const dir = mkdtempSync(join(tmpdir(), 'pb-'));
const store = new SqliteStore({ filename: join(dir, 'b.db') });
await store.migrate();
const rows = await poolTurns(
  { name: 'sqlite', store, dispose: async () => {} },
  [100, 1000, 3000, 5000, 6000, 10000],
  100,
);
for (const r of rows)
  console.log(
    r.messages,
    r.msPerTurn.median.toFixed(2),
    r.msPerTurn.p90.toFixed(2),
    r.msPerTurn.samples,
    r.cpuMsPerTurn.toFixed(2),
    r.compactions,
  );
