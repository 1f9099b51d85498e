import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { serve } from '@confab/server';
import { defineAgent, newId, newSecret, Pool, sha256Hex } from 'confab';
import { nowMs, type Summary, summarize } from '../lib/stats.js';
import type { BenchStore } from '../lib/stores.js';

/** HTTP turns through the real server: throughput and latency with many clients. */
export interface HttpTurnsResult {
  store: string;
  clients: number;
  turns: number;
  turnsPerSecond: number;
  latencyMs: Summary & { p99: number };
  /**
   * Where the latency goes (client and server share this process). With `clients` waiting at
   * once, a turn's latency is at least clients / (turns/s) by Little's law: queueing. On top of it
   * come event-loop stalls (a synchronous step: SQLite's commit with its fsync, a long parse) and GC.
   */
  diagnosis: {
    /** clients / (turns/s): the mean latency queueing alone gives a closed loop of this size. */
    littleMs: number;
    eventLoopDelayMs: { p50: number; p99: number; max: number };
    /** Share of the run spent in GC pauses, and the longest pause. */
    gcShare: number;
    gcMaxMs: number;
    /** Process CPU (user + system) per turn, client and server together. */
    cpuMsPerTurn: number;
    /** SQLite commits per turn and the most writes one commit carried (group commit). */
    commitsPerTurn: number | null;
    largestBatch: number | null;
  };
}

/** Time from a model emitting a delta to the SSE client reading it. */
export interface SseLatencyResult {
  deltas: number;
  latencyMs: Summary & { p99: number };
}

/** One app drives the whole load here: its shares are the server's caps. */
const UNLIMITED = {
  turnsPerMinute: 0,
  sessionsPerMinute: 0,
  maxRunningTurns: 4096,
  maxRunningTurnsPerApp: 4096,
  maxOpenStreams: 4096,
  maxOpenStreamsPerApp: 4096,
  maxQueuedInputsPerApp: 100_000,
};

async function startServer(bench: BenchStore, pool?: Pool) {
  const token = newSecret();
  await bench.store.createApp({ id: 'bench', name: 'bench' });
  await bench.store.createToken({ id: newId('tok'), appId: 'bench', tokenHash: await sha256Hex(token) });
  const running = await serve({ store: bench.store, pool, port: 0, limits: UNLIMITED, logger: false, metrics: false });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  return { running, headers };
}

function withP99(values: number[]): Summary & { p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    ...summarize(values),
    p99: sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] ?? Number.NaN,
  };
}

/**
 * `clients` concurrent HTTP clients, each with its own session, each sending `turnsPerClient` JSON
 * turns (`POST …/turns`, echo model) back to back against a server in this process.
 */
export async function httpTurns(bench: BenchStore, clients: number, turnsPerClient: number): Promise<HttpTurnsResult> {
  const { running, headers } = await startServer(bench);
  try {
    const sessions = await Promise.all(
      Array.from({ length: clients }, async () => {
        const response = await fetch(`${running.url}/v1/sessions`, { method: 'POST', headers, body: '{}' });
        return ((await response.json()) as { session: { id: string } }).session.id;
      }),
    );
    const latencies: number[] = [];
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    let gcMs = 0;
    let gcMaxMs = 0;
    const gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        gcMs += entry.duration;
        gcMaxMs = Math.max(gcMaxMs, entry.duration);
      }
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const statsOf = () => (bench.store as { stats?: { commits: number; largestBatch: number } }).stats;
    const commitsBefore = statsOf()?.commits;
    const cpuBefore = process.cpuUsage();
    loopDelay.enable();
    const started = nowMs();
    await Promise.all(
      sessions.map(async (sessionId) => {
        for (let turn = 0; turn < turnsPerClient; turn++) {
          const before = nowMs();
          const response = await fetch(`${running.url}/v1/sessions/${sessionId}/turns`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ input: `hello ${turn}` }),
          });
          if (response.status !== 200) throw new Error(`turn answered ${response.status}: ${await response.text()}`);
          await response.arrayBuffer();
          latencies.push(nowMs() - before);
        }
      }),
    );
    const seconds = (nowMs() - started) / 1000;
    loopDelay.disable();
    gcObserver.disconnect();
    const cpu = process.cpuUsage(cpuBefore);
    const turns = clients * turnsPerClient;
    const stats = statsOf();
    return {
      store: bench.name,
      clients,
      turns,
      turnsPerSecond: turns / seconds,
      latencyMs: withP99(latencies),
      diagnosis: {
        littleMs: (clients / (turns / seconds)) * 1000,
        eventLoopDelayMs: {
          p50: loopDelay.percentile(50) / 1e6,
          p99: loopDelay.percentile(99) / 1e6,
          max: loopDelay.max / 1e6,
        },
        gcShare: gcMs / (seconds * 1000),
        gcMaxMs,
        cpuMsPerTurn: (cpu.user + cpu.system) / 1000 / turns,
        commitsPerTurn: stats && commitsBefore !== undefined ? (stats.commits - commitsBefore) / turns : null,
        largestBatch: stats?.largestBatch ?? null,
      },
    };
  } finally {
    await running.close();
  }
}

/** A model that streams `count` deltas, `gapMs` apart, each carrying the time it was emitted. */
function timestampModel(count: number, gapMs: number): LanguageModelV3 {
  return {
    specificationVersion: 'v3',
    provider: 'bench',
    modelId: 'timestamps',
    supportedUrls: {},
    doGenerate: () => Promise.reject(new Error('stream only')),
    doStream: async () => {
      let sent = 0;
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async pull(controller) {
          if (sent === 0) controller.enqueue({ type: 'text-start', id: 't' });
          if (sent === count) {
            controller.enqueue({ type: 'text-end', id: 't' });
            controller.enqueue({
              type: 'finish',
              finishReason: { unified: 'stop', raw: 'stop' },
              usage: {
                inputTokens: { total: 1, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
                outputTokens: { total: count, text: undefined, reasoning: undefined },
              },
            });
            controller.close();
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, gapMs));
          sent++;
          controller.enqueue({ type: 'text-delta', id: 't', delta: `${performance.now()};` });
        },
      });
      return { stream };
    },
  };
}

/**
 * Streams `turns` turns over SSE (`Accept: text/event-stream`) from a model that stamps each delta
 * with `performance.now()` when it emits it; the client (same process, same clock) measures how
 * long each delta took to arrive as an SSE frame.
 */
export async function sseDeltaLatency(bench: BenchStore, turns: number, deltasPerTurn = 20): Promise<SseLatencyResult> {
  const pool = new Pool({
    store: bench.store,
    appId: 'bench',
    factory: () => defineAgent({ model: timestampModel(deltasPerTurn, 5) }),
  });
  const { running, headers } = await startServer(bench, pool);
  const latencies: number[] = [];
  try {
    const created = await fetch(`${running.url}/v1/sessions`, { method: 'POST', headers, body: '{}' });
    const sessionId = ((await created.json()) as { session: { id: string } }).session.id;
    for (let turn = 0; turn < turns; turn++) {
      const response = await fetch(`${running.url}/v1/sessions/${sessionId}/turns`, {
        method: 'POST',
        headers: { ...headers, accept: 'text/event-stream' },
        body: JSON.stringify({ input: `turn ${turn}` }),
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const receivedAt = performance.now();
        buffered += decoder.decode(value, { stream: true });
        const frames = buffered.split('\n\n');
        buffered = frames.pop() ?? '';
        for (const frame of frames) {
          if (!frame.includes('event: text-delta')) continue;
          const data = frame.split('\n').find((line) => line.startsWith('data: '));
          const delta = (JSON.parse((data ?? 'data: {}').slice(6)) as { data?: { delta?: string } }).data?.delta ?? '';
          const emittedAt = Number.parseFloat(delta);
          if (Number.isFinite(emittedAt)) latencies.push(receivedAt - emittedAt);
        }
      }
    }
    return { deltas: latencies.length, latencyMs: withP99(latencies) };
  } finally {
    await running.close();
  }
}
