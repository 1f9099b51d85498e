/**
 * `npm run bench`: Confab's benchmarks. Prints markdown tables and writes the raw figures to
 * bench/results/<date>.json. `BENCH_QUICK=1` shrinks every scenario for a smoke run;
 * `BENCH_ONLY=storage,pool,wal,runner,http,memory,context,peers` picks sections; `uploads` (server RSS during one large upload) runs only when named; `postgres` (PostgresStore and
 * `confab serve` processes on one database) runs by default only when a PostgreSQL server answers,
 * and `studio` (the Studio in Chromium) only when /usr/bin/chromium exists.
 * `long-turns` (thousands of concurrent streamed 20 s turns on one server; minutes) runs only when
 * named: `BENCH_ONLY=long-turns`, with `BENCH_LONG_TURNS=1000,5000` for the turn counts.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable } from './lib/report.js';
import { STORE_FACTORIES } from './lib/stores.js';
import { runPeerComparison } from './peers/comparison.js';
import { appendCost } from './scenarios/append-cost.js';
import { contextLoad } from './scenarios/context-load.js';
import { durableThroughput } from './scenarios/durable-throughput.js';
import { httpTurns, sseDeltaLatency } from './scenarios/http-turns.js';
import { longTurns } from './scenarios/long-turns.js';
import { poolTurns, rawAppendLog } from './scenarios/pool-turns.js';
import { postgresReachable, runPostgresSection, withPostgresDatabase } from './scenarios/postgres.js';
import { residentMemory } from './scenarios/resident-memory.js';
import { runnerOverhead, runnerThroughput } from './scenarios/runner-throughput.js';
import { CHROMIUM, studioOpen } from './scenarios/studio-open.js';
import { uploadMemory } from './scenarios/upload-memory.js';
import { walPages } from './scenarios/wal-pages.js';

const quick = process.env.BENCH_QUICK === '1';
const only = new Set((process.env.BENCH_ONLY ?? 'storage,pool,wal,runner,http,memory,context,peers').split(','));
const results: Record<string, unknown[]> = {};
const sections: string[] = [];
const log = (message: string) => console.error(`bench: ${message}`);

async function withStore<T>(
  name: string,
  body: (bench: Awaited<ReturnType<(typeof STORE_FACTORIES)[string]>>) => Promise<T>,
): Promise<T> {
  const bench = await (STORE_FACTORIES[name] as (typeof STORE_FACTORIES)[string])();
  try {
    return await body(bench);
  } finally {
    await bench.dispose();
  }
}

if (only.has('storage')) {
  const lengths = quick ? [10, 1000] : [10, 1000, 10_000];
  const appendRows: Awaited<ReturnType<typeof appendCost>>[] = [];
  const throughputRows: Awaited<ReturnType<typeof durableThroughput>>[] = [];
  for (const name of Object.keys(STORE_FACTORIES)) {
    for (const historyLength of lengths) {
      appendRows.push(
        await withStore(name, async (bench) => {
          await appendCost(bench, 10, 10);
          return appendCost(bench, historyLength, quick ? 20 : 100);
        }),
      );
    }
    for (const sessions of [1, 64]) {
      const turnsPerSession = Math.max(2, Math.round((quick ? 200 : 2000) / sessions));
      throughputRows.push(await withStore(name, (bench) => durableThroughput(bench, sessions, turnsPerSession)));
    }
    log(`storage ${name} done`);
  }
  results.appendCost = appendRows;
  results.durableThroughput = throughputRows;
  sections.push(
    '## Append one turn (4 events, durable) vs history length\n\n' +
      markdownTable(
        ['store', 'history', 'median ms', 'p10', 'p90', 'ratio to history 10'],
        appendRows.map((row) => {
          const base = appendRows.find((entry) => entry.store === row.store && entry.historyLength === lengths[0]);
          return [
            row.store,
            row.historyLength,
            row.msPerTurn.median,
            row.msPerTurn.p10,
            row.msPerTurn.p90,
            row.msPerTurn.median / (base?.msPerTurn.median ?? Number.NaN),
          ];
        }),
      ),
    '## Durable appends: turns/s (each turn one acknowledged append of 4 events)\n\n' +
      markdownTable(
        ['store', 'concurrent sessions', 'turns', 'turns/s'],
        throughputRows.map((row) => [row.store, row.sessions, row.turns, row.turnsPerSecond]),
      ),
  );
}

if (only.has('runner')) {
  const rows = [];
  const overheadRows = [];
  for (const sessions of [1, 256]) {
    const turnsPerSession = sessions === 1 ? (quick ? 50 : 500) : quick ? 2 : 8;
    rows.push(await withStore('sqlite', (bench) => runnerThroughput(bench, sessions, turnsPerSession)));
  }
  overheadRows.push(await withStore('sqlite', (bench) => runnerOverhead(bench, quick ? 30 : 300)));
  log('runner done');
  results.runnerThroughput = rows;
  results.runnerOverhead = overheadRows;
  sections.push(
    '## Turns/s through the runner (echo model, SQLite, durable)\n\n' +
      markdownTable(
        ['store', 'concurrent sessions', 'turns', 'turns/s'],
        rows.map((row) => [row.store, row.sessions, row.turns, row.turnsPerSecond]),
      ),
    '## Runner overhead per turn over the store writes it makes\n\n' +
      markdownTable(
        ['store', 'runner ms/turn (median)', 'same writes on the store (median)', 'overhead ms'],
        overheadRows.map((row) => [row.store, row.msPerTurn.median, row.msPerStoreWrites.median, row.overheadMs]),
      ),
  );
}

if (only.has('wal')) {
  const turns = quick ? 20 : 50;
  const rows = [];
  for (const messages of quick ? [400] : [400, 4000]) rows.push(await walPages(messages, turns));
  log('wal done');
  results.walPages = rows;
  sections.push(
    '## SQLite WAL written per `pool.chat` turn (pages per commit, by table and index)\n\n' +
      markdownTable(
        ['messages', 'page size', 'commits/turn', 'WAL frames/turn', 'WAL bytes/turn', 'frames/turn by b-tree'],
        rows.map((row) => [
          row.messages,
          row.pageSize,
          row.commitsPerTurn,
          row.framesPerTurn,
          row.walBytesPerTurn,
          Object.entries(row.framesByTree)
            .map(([tree, frames]) => `${tree} ${frames.toFixed(2)}`)
            .join(', '),
        ]),
      ),
  );
}

if (only.has('pool')) {
  const lengths = quick ? [10, 100, 1000] : [10, 100, 1000, 5200, 10_000];
  const window = quick ? 30 : 100;
  const rows = await withStore('sqlite', (bench) => poolTurns(bench, lengths, window));
  const directory = mkdtempSync(join(tmpdir(), 'confab-bench-raw-'));
  const raw = rawAppendLog(join(directory, 'raw.log'), window);
  rmSync(directory, { recursive: true, force: true });
  log('pool done');
  results.poolTurns = rows;
  results.rawAppendLog = [raw];
  const base = rows.find((row) => row.messages === 100);
  sections.push(
    '## A turn through `pool.chat` vs history length (SQLite, instant model, compaction on)\n\n' +
      markdownTable(
        [
          'messages',
          'median ms',
          'p90 ms',
          'max ms',
          'CPU ms/turn',
          'most CPU ms in one turn',
          'ratio to 100 (median)',
          'ratio to 100 (CPU)',
          'bytes written/turn',
          'compactions',
        ],
        [
          ...rows.map((row) => [
            row.messages,
            row.msPerTurn.median,
            row.msPerTurn.p90,
            row.maxMs,
            row.cpuMsPerTurn,
            row.maxCpuMs,
            row.msPerTurn.median / (base?.msPerTurn.median ?? Number.NaN),
            row.cpuMsPerTurn / (base?.cpuMsPerTurn ?? Number.NaN),
            row.bytesWrittenPerTurn ?? 'n/a',
            row.compactions,
          ]),
          [
            "raw fsync'd append log",
            raw.msPerTurn.median,
            raw.msPerTurn.p90,
            '',
            '',
            '',
            '',
            '',
            raw.bytesWrittenPerTurn ?? 'n/a',
            '',
          ],
        ],
      ),
  );
}

if (only.has('context')) {
  const rows = [];
  for (const historyLength of quick ? [100, 10_000] : [100, 100_000]) {
    for (const compacted of [false, true])
      rows.push(await withStore('sqlite', (bench) => contextLoad(bench, historyLength, compacted)));
  }
  log('context done');
  results.contextLoad = rows;
  sections.push(
    '## Loading a session for its next turn (readContext), SQLite\n\n' +
      markdownTable(
        ['history events', 'compacted', 'events loaded', 'median ms', 'p90 ms'],
        rows.map((row) => [
          row.historyLength,
          row.compacted ? 'yes' : 'no',
          row.eventsLoaded,
          row.msPerLoad.median,
          row.msPerLoad.p90,
        ]),
      ),
  );
}

if (only.has('http')) {
  const clients = 64;
  const http = await withStore('sqlite', (bench) => httpTurns(bench, clients, quick ? 5 : 30));
  const sse = await withStore('sqlite', (bench) => sseDeltaLatency(bench, quick ? 5 : 30));
  log('http done');
  results.httpTurns = [http];
  results.sseDeltaLatency = [sse];
  sections.push(
    '## HTTP turns (JSON, echo model, SQLite), 64 concurrent clients\n\n' +
      markdownTable(
        ['clients', 'turns', 'turns/s', 'p50 ms', 'p90 ms', 'p99 ms'],
        [
          [
            http.clients,
            http.turns,
            http.turnsPerSecond,
            http.latencyMs.median,
            http.latencyMs.p90,
            http.latencyMs.p99,
          ],
        ],
      ) +
      '\n\nWhere the latency goes (client and server in this process):\n\n' +
      markdownTable(
        [
          'queueing: clients ÷ turns/s, ms',
          'loop delay p50, p99, max ms',
          'GC share, longest pause ms',
          'CPU ms / turn',
          'SQLite commits / turn',
          'largest group commit',
        ],
        [
          [
            http.diagnosis.littleMs,
            `${http.diagnosis.eventLoopDelayMs.p50.toFixed(1)}, ${http.diagnosis.eventLoopDelayMs.p99.toFixed(1)}, ${http.diagnosis.eventLoopDelayMs.max.toFixed(1)}`,
            `${(100 * http.diagnosis.gcShare).toFixed(1)}%, ${http.diagnosis.gcMaxMs.toFixed(1)}`,
            http.diagnosis.cpuMsPerTurn,
            http.diagnosis.commitsPerTurn ?? 'n/a',
            http.diagnosis.largestBatch ?? 'n/a',
          ],
        ],
      ),
    '## SSE: model delta to client receipt\n\n' +
      markdownTable(
        ['deltas', 'p50 ms', 'p90 ms', 'p99 ms'],
        [[sse.deltas, sse.latencyMs.median, sse.latencyMs.p90, sse.latencyMs.p99]],
      ),
  );
}

if (only.has('memory')) {
  const sessions = quick ? 2_000 : 100_000;
  const row = await withStore('sqlite', (bench) => residentMemory(bench, sessions));
  log('memory done');
  results.residentMemory = [row];
  sections.push(
    '## Memory (heap) per session, SQLite\n\n' +
      markdownTable(
        [
          'sessions',
          'bytes per stored idle session',
          'bytes per resident idle runner',
          'runners left after reaping',
          'bytes per session after reaping',
        ],
        [
          [
            row.sessions,
            row.bytesPerStoredSession,
            row.bytesPerResidentRunner,
            row.residentAfterReap,
            row.bytesPerSessionAfterReap,
          ],
        ],
      ),
  );
}

// Minutes per run and thousands of sockets: only when asked for by name.
if (only.has('long-turns')) {
  const counts = (process.env.BENCH_LONG_TURNS ?? (quick ? '100' : '1000,5000')).split(',').map(Number);
  const rows: Awaited<ReturnType<typeof longTurns>>[] = [];
  for (const turns of counts) {
    rows.push(await longTurns(turns, quick ? { deltasPerTurn: 20 } : {}));
    log(`long-turns ${turns} done`);
  }
  results.longTurns = rows;
  const first = rows[0];
  sections.push(
    `## Long streamed turns on one server (SQLite): a delta every ${first?.gapMs} ms for ${first?.deltasPerTurn} deltas\n\n` +
      markdownTable(
        [
          'turns',
          'errors',
          'peak running',
          'KiB RSS / running turn',
          'loop delay p99 ms (median s, worst s)',
          'turn start p50, p99 ms',
          'delta p50 ms',
          'delta p99 ms',
          'commits/s',
          'lease renewals/s',
          'store write mean ms',
          'CPU ms / turn',
          'wall s',
        ],
        rows.map((row) => [
          row.turns,
          row.errors,
          row.peakRunning,
          row.kibPerRunningTurn,
          `${row.eventLoopDelayP99Ms.median.toFixed(1)}, ${row.eventLoopDelayP99Ms.worst.toFixed(1)}`,
          `${row.turnStartMs.p50.toFixed(0)}, ${row.turnStartMs.p99.toFixed(0)}`,
          row.deltaLatencyMs.p50,
          row.deltaLatencyMs.p99,
          row.commitsPerSecond,
          row.leaseRenewalsPerSecond,
          row.storeWriteMeanMs,
          row.cpuMsPerTurn,
          row.wallSeconds,
        ]),
      ),
  );
}

if (only.has('peers')) {
  const peers = await runPeerComparison(quick, `${new Date().toISOString().slice(0, 10)}${quick ? '-quick' : ''}`, log);
  Object.assign(results, peers.results);
  sections.push(...peers.sections);
}

// The Studio in Chromium: asked for by name it must run; by default only where Chromium is installed.
if (only.has('studio') || (process.env.BENCH_ONLY === undefined && existsSync(CHROMIUM))) {
  const rows = [];
  for (const events of quick ? [100, 10_000] : [100, 1000, 10_000])
    rows.push(await withStore('sqlite', (bench) => studioOpen(bench, events, quick ? 2 : 5)));
  log('studio done');
  results.studioOpen = rows;
  sections.push(
    '## Studio: opening and scrolling a session in Chromium (committed build, SQLite)\n\n' +
      markdownTable(
        ['events', 'open ms (median)', 'open ms (p90)', 'Home → first turn ms (median)', 'timeline rows in the page'],
        rows.map((row) => [row.events, row.openMs.median, row.openMs.p90, row.scrollToStartMs.median, row.rowsInPage]),
      ),
  );
}

// One large upload per store and body kind, sampling the server's RSS: only when named
// (`BENCH_ONLY=uploads`, `BENCH_UPLOAD_MIB` for the size, default 200; PostgreSQL when it answers).
if (only.has('uploads')) {
  const megabytes = Number(process.env.BENCH_UPLOAD_MIB ?? (quick ? 20 : 200));
  const rows = [];
  for (const name of Object.keys(STORE_FACTORIES)) {
    for (const body of ['raw', 'multipart'] as const) {
      rows.push(await withStore(name, (bench) => uploadMemory(bench, megabytes, body)));
    }
  }
  if (await postgresReachable()) {
    await withPostgresDatabase(async (createStore) => {
      for (const body of ['raw', 'multipart'] as const) {
        const bench = await createStore();
        try {
          rows.push(await uploadMemory(bench, megabytes, body));
        } finally {
          await bench.dispose();
        }
      }
    });
  }
  log('uploads done');
  results.uploadMemory = rows;
  sections.push(
    `## Server RSS while uploading one ${megabytes} MiB file\n\n` +
      markdownTable(
        ['store', 'body', 'status', 'RSS before MiB', 'RSS peak MiB', 'growth MiB', 'CPU ms'],
        rows.map((row) => [row.store, row.body, row.status, row.baselineMiB, row.peakMiB, row.growthMiB, row.cpuMs]),
      ),
  );
}

// Asked for by name it must run (and fails without a server); by default only where one answers.
if (only.has('postgres') || (process.env.BENCH_ONLY === undefined && (await postgresReachable()))) {
  const section = await runPostgresSection({ quick, log });
  Object.assign(results, section.results);
  sections.push(...section.markdown);
}

console.log(`\n${sections.join('\n\n')}\n`);
const directory = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(directory, { recursive: true });
// A partial run (BENCH_ONLY) is named after its sections, so it never replaces a full run's figures.
const partial = process.env.BENCH_ONLY ? `-${[...only].sort().join('-')}` : '';
const file = `${directory}${new Date().toISOString().slice(0, 10)}${quick ? '-quick' : ''}${partial}.json`;
writeFileSync(
  file,
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, quick, results }, null, 2)}\n`,
);
console.log(`raw figures: ${file}`);
