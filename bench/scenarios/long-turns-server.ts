/**
 * The server process of the long-turn scenario: what `confab serve --store sqlite:…` builds
 * (instrumented store, Pool with the log observer, createApp with metrics, serve), except that its
 * model is a paced test model: `BENCH_DELTAS` text deltas, `BENCH_GAP_MS` apart, each carrying the
 * wall-clock time (ms, sub-ms precision) it was emitted, so the client can measure model → client
 * latency. Prints `listening on <url>` on stderr. Configured through the environment (see below).
 */
import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { createApp, createLogObserver, createMetrics, serve } from '@confab/server';
import { SqliteStore } from '@confab/sqlite';
import { defineAgent, newId, Pool, sha256Hex } from 'confab';
import { pino } from 'pino';

const filename = process.env.BENCH_STORE_FILE ?? ':memory:';
const deltas = Number(process.env.BENCH_DELTAS ?? 200);
const gapMs = Number(process.env.BENCH_GAP_MS ?? 100);
const cap = Number(process.env.BENCH_CAP ?? 10_000);
const token = process.env.BENCH_TOKEN ?? 'bench-token';

/** Wall-clock milliseconds shared by both processes of the scenario. */
const wallMs = () => performance.timeOrigin + performance.now();

function pacedModel(): LanguageModelV3 {
  return {
    specificationVersion: 'v3',
    provider: 'bench',
    modelId: 'paced',
    supportedUrls: {},
    doGenerate: () => Promise.reject(new Error('stream only')),
    doStream: async ({ abortSignal }) => {
      let sent = 0;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async pull(controller) {
          if (sent === 0) controller.enqueue({ type: 'text-start', id: 't' });
          if (sent === deltas) {
            controller.enqueue({ type: 'text-end', id: 't' });
            controller.enqueue({
              type: 'finish',
              finishReason: { unified: 'stop', raw: 'stop' },
              usage: {
                inputTokens: { total: 1, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
                outputTokens: { total: deltas, text: undefined, reasoning: undefined },
              },
            });
            controller.close();
            return;
          }
          await new Promise((resolve) => {
            timer = setTimeout(resolve, gapMs);
          });
          if (abortSignal?.aborted) return;
          sent++;
          controller.enqueue({ type: 'text-delta', id: 't', delta: `${wallMs().toFixed(3)};` });
        },
        cancel() {
          clearTimeout(timer);
        },
      });
      return { stream };
    },
  };
}

const store = new SqliteStore({ filename });
await store.migrate();
await store.createApp({ id: 'bench', name: 'bench' });
await store.createToken({ id: newId('tok'), appId: 'bench', tokenHash: await sha256Hex(token) });
const metrics = createMetrics();
const measured = metrics.instrumentStore(store);
// Request lines at info would cost more than the turns: the level an operator runs under load.
const logger = pino({ level: 'warn', base: { service: 'confab' } });
const model = pacedModel();
const pool = new Pool({
  store: measured,
  appId: 'bench',
  factory: () => defineAgent({ model }),
  observer: createLogObserver(logger),
});
const app = createApp({
  store: measured,
  pool,
  metrics,
  logger,
  limits: {
    turnsPerMinute: 0,
    sessionsPerMinute: 0,
    maxRunningTurns: cap,
    maxOpenStreams: cap,
    maxRunningTurnsPerApp: cap,
    maxOpenStreamsPerApp: cap,
  },
});
// One connection per streamed turn, plus the sampler's: the default cap (4096) is below the 5,000-turn run.
const running = await serve({ app, port: 0, maxConnections: cap + 64 });
process.stderr.write(`listening on ${running.url}\n`);
process.on('SIGTERM', () => {
  running.close({ deadlineMs: 1000 }).finally(() => process.exit(0));
});
