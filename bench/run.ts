/**
 * `npm run bench`: storage benchmarks. Prints markdown tables and writes the raw figures to
 * bench/results/<date>.json. `BENCH_QUICK=1` shrinks every scenario for a smoke run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { STORE_FACTORIES } from './lib/stores.js';
import { appendCost } from './scenarios/append-cost.js';
import { durableThroughput } from './scenarios/durable-throughput.js';

const quick = process.env.BENCH_QUICK === '1';
const historyLengths = quick ? [10, 1000] : [10, 1000, 10_000];
const concurrency = [1, 64];
const results: Record<string, unknown[]> = { appendCost: [], durableThroughput: [] };

for (const [name, create] of Object.entries(STORE_FACTORIES)) {
  for (const historyLength of historyLengths) {
    const bench = await create();
    // One warm-up pass on a separate session so the timed run sees warm statements and caches.
    await appendCost(bench, 10, 10);
    results.appendCost!.push(await appendCost(bench, historyLength, quick ? 20 : 100));
    await bench.dispose();
  }
  for (const sessions of concurrency) {
    const bench = await create();
    const turnsPerSession = Math.max(2, Math.round((quick ? 200 : 2000) / sessions));
    results.durableThroughput!.push(await durableThroughput(bench, sessions, turnsPerSession));
    await bench.dispose();
  }
  console.error(`bench: ${name} done`);
}

const format = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(3));
console.log('\n## Append one turn (4 events, durable) vs history length\n');
console.log('| store | history | median ms | p10 | p90 | ratio to history 10 |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const row of results.appendCost as Awaited<ReturnType<typeof appendCost>>[]) {
  const base = (results.appendCost as (typeof row)[]).find(
    (candidate) => candidate.store === row.store && candidate.historyLength === historyLengths[0],
  );
  const ratio = base ? row.msPerTurn.median / base.msPerTurn.median : Number.NaN;
  console.log(
    `| ${row.store} | ${row.historyLength} | ${format(row.msPerTurn.median)} | ${format(row.msPerTurn.p10)} | ${format(row.msPerTurn.p90)} | ${ratio.toFixed(2)} |`,
  );
}
console.log('\n## Durable turns/s (each turn one acknowledged append of 4 events)\n');
console.log('| store | concurrent sessions | turns | turns/s |');
console.log('| --- | ---: | ---: | ---: |');
for (const row of results.durableThroughput as Awaited<ReturnType<typeof durableThroughput>>[]) {
  console.log(`| ${row.store} | ${row.sessions} | ${row.turns} | ${format(row.turnsPerSecond)} |`);
}

mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${new Date().toISOString().slice(0, 10)}.json`;
writeFileSync(
  file,
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, quick, results }, null, 2)}\n`,
);
console.log(`\nraw figures: ${file}`);
