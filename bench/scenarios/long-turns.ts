import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What one run of {@link longTurns} measured. */
export interface LongTurnsResult {
  turns: number;
  deltasPerTurn: number;
  gapMs: number;
  /** Turns that did not answer 200, did not end, or lost deltas. */
  errors: number;
  firstError: string | null;
  /** Most turns the server reported running at once (`confab_running_turns`). */
  peakRunning: number;
  wallSeconds: number;
  idleRssMiB: number;
  peakRssMiB: number;
  /** (peak − idle resident memory) / turns. */
  kibPerRunningTurn: number;
  /**
   * Event-loop delay p99 inside the server (perf_hooks monitorEventLoopDelay, via /metrics, which
   * resets it on every scrape), per one-second window while turns ran: the median and the worst window.
   */
  eventLoopDelayP99Ms: { median: number; worst: number };
  /** POST /turns → response headers (the turn has its lease and its start written): queueing at the door. */
  turnStartMs: { p50: number; p99: number };
  /** Model emit → SSE client read, over every delta of every turn. */
  deltaLatencyMs: { p50: number; p99: number; max: number; samples: number };
  /** Store writes (appends, lease acquire/renew/release, claims) per second over the run. */
  commitsPerSecond: number;
  leaseRenewalsPerSecond: number;
  /** Mean time of one store write over the run: SQLite commits block the event loop for this long. */
  storeWriteMeanMs: number;
  /** Server CPU time (user + system) per turn. */
  cpuMsPerTurn: number;
}

const serverEntry = fileURLToPath(new URL('./long-turns-server.ts', import.meta.url));
const wallMs = () => performance.timeOrigin + performance.now();
const WRITE_OPERATIONS = /^(append|acquire|renew|release|claim|enqueue|create)/;

interface Scrape {
  values: Map<string, number>;
  get(name: string): number;
  sum(prefix: string, filter: (labels: string) => boolean): number;
}

async function scrape(url: string): Promise<Scrape> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return {
    values,
    get: (name) => values.get(name) ?? Number.NaN,
    sum: (prefix, filter) => {
      let total = 0;
      for (const [key, value] of values) {
        if (key.startsWith(`${prefix}{`) && filter(key.slice(prefix.length))) total += value;
      }
      return total;
    },
  };
}

const storeCount = (metrics: Scrape, test: (operation: string) => boolean, series = 'count') =>
  metrics.sum(`confab_store_operation_duration_seconds_${series}`, (labels) => {
    const operation = /operation="([^"]+)"/.exec(labels)?.[1] ?? '';
    return test(operation);
  });

function startServer(env: Record<string, string>): Promise<{ url: string; stop: () => Promise<void> }> {
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the server process there (read it with
  // Chrome DevTools or `node bench/lib/profile-summary.ts`), to find where the turns spend their time.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(
    process.execPath,
    [...profile, '--import', 'tsx/esm', '--conditions=confab-source', serverEntry],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`bench server did not listen: ${stderr}`)), 60_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1] as string,
          stop: async () => {
            if (child.exitCode !== null) return;
            const exited = new Promise((done) => child.once('exit', done));
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bench server exited (${code}): ${stderr}`));
    });
  });
}

function percentile(sorted: Float64Array, fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

/**
 * `turns` concurrent streamed turns on one server process (SQLite, like `confab serve`), each
 * client reading its SSE, with a paced model that streams a delta every `gapMs` for
 * `deltasPerTurn` deltas. Turns start spread over `rampMs`. The client runs in this process; the
 * server in a child, so its memory, CPU and event-loop delay are its own.
 */
export async function longTurns(
  turns: number,
  options: { deltasPerTurn?: number; gapMs?: number; rampMs?: number } = {},
): Promise<LongTurnsResult> {
  const deltasPerTurn = options.deltasPerTurn ?? 200;
  const gapMs = options.gapMs ?? 100;
  const rampMs = options.rampMs ?? Math.min(5_000, turns);
  const directory = mkdtempSync(join(tmpdir(), 'confab-bench-long-'));
  const token = 'bench-long-turns';
  const server = await startServer({
    BENCH_STORE_FILE: join(directory, 'bench.db'),
    BENCH_DELTAS: String(deltasPerTurn),
    BENCH_GAP_MS: String(gapMs),
    BENCH_CAP: String(turns + 16),
    BENCH_TOKEN: token,
  });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  try {
    const sessions: string[] = [];
    for (let index = 0; index < turns; index += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, turns - index) }, async () => {
          const response = await fetch(`${server.url}/v1/sessions`, { method: 'POST', headers, body: '{}' });
          if (response.status !== 201 && response.status !== 200) {
            throw new Error(`creating a session answered ${response.status}: ${await response.text()}`);
          }
          return ((await response.json()) as { session: { id: string } }).session.id;
        }),
      );
      sessions.push(...batch);
    }
    // Idle baseline after a collection settles; this scrape also resets the event-loop histogram.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = await scrape(server.url);
    const latencies = new Float64Array(turns * deltasPerTurn);
    const starts = new Float64Array(turns);
    let startCount = 0;
    let latencyCount = 0;
    let errors = 0;
    let firstError: string | null = null;
    const fail = (message: string) => {
      errors++;
      firstError ??= message;
    };
    let peakRss = before.get('confab_process_resident_memory_bytes');
    let peakRunning = 0;
    const loopDelays: number[] = [];
    let done = false;
    const sampler = (async () => {
      while (!done) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        if (done) break;
        // Each scrape reads, then resets, the event-loop histogram: one p99 per second of the run.
        const sample = await scrape(server.url).catch(() => null);
        if (!sample) continue;
        peakRss = Math.max(peakRss, sample.get('confab_process_resident_memory_bytes'));
        const running = sample.get('confab_running_turns');
        peakRunning = Math.max(peakRunning, running);
        if (running > 0) loopDelays.push(sample.get('confab_nodejs_eventloop_lag_p99_seconds') * 1000);
      }
    })();
    const startedAt = performance.now();
    await Promise.all(
      sessions.map(async (sessionId, index) => {
        await new Promise((resolve) => setTimeout(resolve, (index * rampMs) / turns));
        try {
          const requestedAt = performance.now();
          const response = await fetch(`${server.url}/v1/sessions/${sessionId}/turns`, {
            method: 'POST',
            headers: { ...headers, accept: 'text/event-stream' },
            body: JSON.stringify({ input: 'go' }),
          });
          starts[startCount++] = performance.now() - requestedAt;
          if (response.status !== 200) {
            fail(`turn answered ${response.status}: ${await response.text()}`);
            return;
          }
          const reader = (response.body as ReadableStream<Uint8Array>).getReader();
          const decoder = new TextDecoder();
          let buffered = '';
          let received = 0;
          let ended = false;
          for (;;) {
            const next = await reader.read();
            if (next.done) break;
            const now = wallMs();
            buffered += decoder.decode(next.value, { stream: true });
            const cut = buffered.lastIndexOf('\n\n');
            if (cut < 0) continue;
            const complete = buffered.slice(0, cut);
            buffered = buffered.slice(cut + 2);
            for (const match of complete.matchAll(/"delta":"(\d+\.\d+);"/g)) {
              if (latencyCount < latencies.length) latencies[latencyCount++] = now - Number(match[1]);
              received++;
            }
            if (complete.includes('event: turn-end')) ended = true;
          }
          if (!ended) fail('stream ended without a turn-end');
          else if (received !== deltasPerTurn) fail(`received ${received} of ${deltasPerTurn} deltas`);
        } catch (error) {
          // fetch reports a refused or timed-out connection as "fetch failed" with the reason as cause.
          const cause = (error as { cause?: { code?: string; message?: string } }).cause;
          const reason = cause ? `: ${cause.code ?? cause.message}` : '';
          fail(`${error instanceof Error ? error.message : String(error)}${reason}`);
        }
      }),
    );
    const wallSeconds = (performance.now() - startedAt) / 1000;
    done = true;
    await sampler;
    const after = await scrape(server.url);
    const sorted = latencies.slice(0, latencyCount).sort();
    const sortedStarts = starts.slice(0, startCount).sort();
    const idleRss = before.get('confab_process_resident_memory_bytes');
    const isWrite = (operation: string) => WRITE_OPERATIONS.test(operation);
    const isRenewal = (operation: string) => operation === 'renewLease' || operation === 'renewLeases';
    return {
      turns,
      deltasPerTurn,
      gapMs,
      errors,
      firstError,
      peakRunning,
      wallSeconds,
      idleRssMiB: idleRss / 2 ** 20,
      peakRssMiB: peakRss / 2 ** 20,
      kibPerRunningTurn: (peakRss - idleRss) / 1024 / Math.max(1, peakRunning),
      eventLoopDelayP99Ms: {
        median: percentile(Float64Array.from(loopDelays).sort(), 0.5),
        worst: Math.max(...loopDelays, after.get('confab_nodejs_eventloop_lag_p99_seconds') * 1000),
      },
      turnStartMs: { p50: percentile(sortedStarts, 0.5), p99: percentile(sortedStarts, 0.99) },
      deltaLatencyMs: {
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
        max: sorted[sorted.length - 1] ?? Number.NaN,
        samples: sorted.length,
      },
      commitsPerSecond: (storeCount(after, isWrite) - storeCount(before, isWrite)) / wallSeconds,
      leaseRenewalsPerSecond: (storeCount(after, isRenewal) - storeCount(before, isRenewal)) / wallSeconds,
      storeWriteMeanMs:
        ((storeCount(after, isWrite, 'sum') - storeCount(before, isWrite, 'sum')) * 1000) /
        Math.max(1, storeCount(after, isWrite) - storeCount(before, isWrite)),
      cpuMsPerTurn:
        ((after.get('confab_process_cpu_seconds_total') - before.get('confab_process_cpu_seconds_total')) * 1000) /
        turns,
    };
  } finally {
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}
