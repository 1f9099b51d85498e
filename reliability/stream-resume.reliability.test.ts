/**
 * Stream resume: RELIABILITY_DISCONNECTS (default 100) real network faults during streamed turns,
 * each resumed with `Last-Event-ID`; every event must arrive exactly once, in order.
 *
 * A TCP proxy (reliability/support/flaky-proxy.ts) sits between the clients and the real server
 * (in-process, SQLite in a temp dir, echo models) and breaks every connection off after a random
 * number of bytes from the server: mid-frame, mid-header, during deltas, during a `/sleep` (the
 * server's heartbeats keep bytes flowing then), between persisted events. Through it run:
 * - streamed turns of the real `@confab/client` (`session.stream`), which re-attach on their own;
 * - live tails of the client (`session.events.stream`), which must reconnect on their own;
 * - raw turns and raw tails over plain fetch with a parser of their own, resumed by hand with
 *   `Last-Event-ID` (delta ids `<seq>.<sub>` included) and skipping nothing, so the server's side
 *   of the resume is checked independently of the client's dedup.
 * Every stream is then compared with the session's log read as JSON (straight from the server):
 * the persisted events of its range exactly once and in order, deltas never repeated nor out of
 * order nor with a hole, each turn ending with its `turn-end`, and no turn run twice.
 *
 * Bounded: it stops once the target number of faults was injected (or RELIABILITY_STREAM_DEADLINE_MS,
 * default 300 s, passed, which fails the run), every turn has a watchdog. The fault schedule comes
 * from a seeded random: RELIABILITY_SEED=<printed seed> replays the same cut points per connection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfabClient,
  type FetchFunction,
  type Session,
  type SessionEvent,
  type StreamEvent,
  type TurnResult,
} from '@confab/client';
import { serve } from '@confab/server';
import { SqliteStore } from '@confab/sqlite';
import { createModelResolver, newId, newSecret, sha256Hex } from 'confab';
import { createEchoModel } from 'confab/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDelivery, type DeliveryReport } from './support/check-delivery.js';
import { type FlakyProxy, startFlakyProxy } from './support/flaky-proxy.js';
import { type RawStreamResult, readRawResumingStream } from './support/raw-resuming-stream.js';
import { createSeededRandom, type SeededRandom, seedFromEnvironment } from './support/seeded-random.js';

const TARGET_DISCONNECTS = Number(process.env.RELIABILITY_DISCONNECTS ?? 100);
const DEADLINE_MS = Number(process.env.RELIABILITY_STREAM_DEADLINE_MS ?? 300_000);
const SEED = seedFromEnvironment('RELIABILITY_SEED');
/** Sessions whose turns go through the client SDK, and sessions whose turns are raw. */
const CLIENT_SESSIONS = 3;
const RAW_SESSIONS = 1;
/** Turns each session streams at least, however soon the target number of faults is reached. */
const MIN_TURNS_PER_SESSION = 3;
/** A turn that has not ended by then never resumed: it is reported, not waited for. */
const TURN_WATCHDOG_MS = 60_000;
const CATCH_UP_MS = 30_000;
/** Frequent heartbeats keep bytes flowing through the proxy while a `/sleep` streams nothing. */
const HEARTBEAT_MS = 25;

/**
 * Bytes of an SSE answer's status line and headers (measured: the request id and Date have fixed
 * lengths), then of the server's first `: connected` comment as a chunk.
 */
const HEADER_BYTES = 278;
const CONNECTED_BYTES = 18;
/** Reconnects each live tail makes in the quiet phase: more than the client's retry attempts. */
const QUIET_RECONNECTS_PER_TAIL = 12;
const CLIENT_RETRY = { attempts: 8, initialDelayMs: 5, maxDelayMs: 100 };

/**
 * Where connections are cut. While turns stream: anywhere in the first 6 KB, with one connection in
 * seven cut in its first 500 bytes (status line, headers, first frame), so some turn POSTs break off
 * before their first event and must be sent again. While quiet: just after `: connected` and a few
 * heartbeats, so live tails lose connection after connection without an event in between.
 */
const CUT_LAWS = {
  turns: (random: SeededRandom) => (random.next() < 1 / 7 ? random.integer(0, 500) : random.integer(200, 6000)),
  quiet: (random: SeededRandom) => random.integer(HEADER_BYTES + CONNECTED_BYTES + 1, HEADER_BYTES + 120),
};
let phase: keyof typeof CUT_LAWS = 'turns';

let directory: string;
let running: Awaited<ReturnType<typeof serve>>;
let proxy: FlakyProxy;
let token: string;

beforeAll(async () => {
  console.log(`stream-resume: seed ${SEED} (RELIABILITY_SEED=${SEED} replays the fault schedule)`);
  directory = mkdtempSync(join(tmpdir(), 'confab-stream-resume-'));
  const store = new SqliteStore({ filename: join(directory, 'confab.db') });
  await store.migrate();
  token = newSecret();
  await store.createApp({ id: 'resume', name: 'resume' });
  await store.createToken({ id: newId('tok'), appId: 'resume', tokenHash: await sha256Hex(token) });
  running = await serve({
    store,
    port: 0,
    logger: false,
    heartbeatMs: HEARTBEAT_MS,
    // `paced:<any>` streams 3 characters every 2 ms, so drops land while the turn still runs and
    // its missed deltas must be replayed; plain `echo` streams its deltas in one burst.
    resolveModel: createModelResolver({ paced: () => createEchoModel({ chunkSize: 3, delayMs: 2 }) }),
  });
  proxy = await startFlakyProxy({
    target: { host: running.host, port: running.port },
    random: createSeededRandom(SEED),
    cutAfterBytes: (random) => CUT_LAWS[phase](random),
  });
});

afterAll(async () => {
  await proxy?.close();
  await running?.close({ deadlineMs: 2000 });
  if (directory) rmSync(directory, { recursive: true, force: true });
});

/** Resumes the client SDK made: `GET …/events` with `Last-Event-ID`, and turns re-POSTed with their key. */
interface ClientCounts {
  resumes: number;
  deltaResumes: number;
  reopens: number;
}

function countingFetch(counts: ClientCounts): FetchFunction {
  const postedKeys = new Set<string>();
  return (input, init) => {
    const headers = new Headers(init.headers);
    const lastEventId = headers.get('last-event-id');
    if (lastEventId) {
      counts.resumes += 1;
      if (lastEventId.includes('.')) counts.deltaResumes += 1;
    }
    const key = headers.get('idempotency-key');
    if (init.method === 'POST' && key && new URL(input).pathname.endsWith('/turns')) {
      if (postedKeys.has(key)) counts.reopens += 1;
      postedKeys.add(key);
    }
    return fetch(input, init);
  };
}

/** The whole log, read as JSON straight from the server (not through the proxy). */
async function readLog(sessionId: string): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  let after = 0;
  for (;;) {
    const response = await fetch(`${running.url}/v1/sessions/${sessionId}/events?after=${after}&limit=1000`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const page = (await response.json()) as { events: SessionEvent[]; nextAfter: number | null };
    events.push(...page.events);
    if (page.nextAfter === null) return events;
    after = page.nextAfter;
  }
}

const WORDS = ['harbour', 'tram', 'azulejo', 'fado', 'river', 'hill', 'pastel', 'sardine', 'castle', 'miradouro'];

/** One turn's input, the model it runs on, and the answer the echo model must give. */
interface TurnPlan {
  input: string;
  model?: string;
  answer: string;
}

function planTurn(random: SeededRandom, tag: string): TurnPlan {
  const words = (count: number) => Array.from({ length: count }, () => random.pick(WORDS)).join(' ');
  const kind = random.pick(['long', 'sleep', 'paced'] as const);
  if (kind === 'sleep') {
    const text = `${tag} ${words(random.integer(6, 30))}`;
    return { input: `/sleep ${random.integer(50, 600)} ${text}`, answer: `echo: ${text}` };
  }
  const input = `${tag} ${words(random.integer(15, 60))}`;
  return { input, model: kind === 'paced' ? 'paced:x' : undefined, answer: `echo: ${input}` };
}

/** Everything one turn stream delivered, and the turn it belonged to. */
interface StreamedTurn {
  events: StreamEvent[];
  turnIndex: number | null;
  problems: string[];
}

async function clientTurn(session: Session, plan: TurnPlan, label: string): Promise<StreamedTurn> {
  const events: StreamEvent[] = [];
  const stream = session.stream(plan.input, { model: plan.model, signal: AbortSignal.timeout(TURN_WATCHDOG_MS) });
  try {
    for await (const event of stream) events.push(event);
    const result: TurnResult = await stream.result;
    const problems: string[] = [];
    if (result.stopReason !== 'stop') problems.push(`${label}: stopReason ${result.stopReason}`);
    if (result.text() !== plan.answer) problems.push(`${label}: answered ${JSON.stringify(result.text())}`);
    return { events, turnIndex: result.index, problems };
  } catch (error) {
    return {
      events,
      turnIndex: null,
      problems: [`${label}: the stream failed after ${events.length} events: ${error}`],
    };
  }
}

async function rawTurn(sessionId: string, plan: TurnPlan, label: string, counts: RawCounts): Promise<StreamedTurn> {
  const raw = await readRawResumingStream({
    baseUrl: proxy.url,
    token,
    sessionId,
    turn: { input: plan.input, model: plan.model, idempotencyKey: `key-${label.replaceAll(' ', '-')}` },
    isLast: (event) => event.type === 'turn-end',
    signal: AbortSignal.timeout(TURN_WATCHDOG_MS),
    maxEmptyConnections: 30,
  });
  counts.add(raw);
  const problems = raw.problems.map((problem) => `${label}: ${problem}`);
  if (raw.ended !== 'last') problems.push(`${label}: no turn-end (${raw.ended}) after ${raw.events.length} events`);
  const last = raw.events.at(-1);
  const message = raw.events.find((event) => event.type === 'message');
  if (message?.type === 'message' && message.data.text !== plan.answer) {
    problems.push(`${label}: answered ${JSON.stringify(message.data.text)}`);
  }
  return { events: raw.events, turnIndex: last?.type === 'turn-end' ? last.turn : null, problems };
}

/** Connections, resumes and re-POSTs of the raw streams. */
class RawCounts {
  connections = 0;
  resumes = 0;
  deltaResumes = 0;
  reopens = 0;

  add(result: RawStreamResult): void {
    this.connections += result.connections;
    this.resumes += result.resumes;
    this.deltaResumes += result.deltaResumes;
    this.reopens += result.reopens;
  }
}

/** A live tail kept open for the whole run; `stop` ends it and reports how it went. */
interface Tail {
  events: StreamEvent[];
  lastSeq(): number;
  /** False once the tail ended by itself (it gave up). */
  alive(): boolean;
  stop(): Promise<string[]>;
}

function clientTail(session: Session, label: string): Tail {
  const events: StreamEvent[] = [];
  const controller = new AbortController();
  let failure: unknown = null;
  let ended = false;
  const reading = (async () => {
    try {
      for await (const event of session.events.stream({ after: 0, signal: controller.signal })) events.push(event);
      failure = new Error('the live tail ended by itself');
    } catch (error) {
      if (!controller.signal.aborted) failure = error;
    }
    ended = true;
  })();
  return {
    events,
    lastSeq: () => lastPersistedSeq(events),
    alive: () => !ended,
    async stop() {
      controller.abort();
      await reading;
      return failure ? [`${label}: the tail stopped after ${events.length} events: ${failure}`] : [];
    },
  };
}

function rawTail(sessionId: string, label: string, counts: RawCounts): Tail {
  const events: StreamEvent[] = [];
  const controller = new AbortController();
  let ended = false;
  const reading = readRawResumingStream({
    baseUrl: proxy.url,
    token,
    sessionId,
    signal: controller.signal,
    onEvent: (event) => events.push(event),
    maxEmptyConnections: 50,
  }).finally(() => {
    ended = true;
  });
  return {
    events,
    lastSeq: () => lastPersistedSeq(events),
    alive: () => !ended,
    async stop() {
      controller.abort();
      const result = await reading;
      counts.add(result);
      const problems = result.problems.map((problem) => `${label}: ${problem}`);
      if (result.ended !== 'aborted') problems.push(`${label}: the tail ${result.ended} after ${events.length} events`);
      return problems;
    },
  };
}

function lastPersistedSeq(events: StreamEvent[]): number {
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index]!;
    if (!('sub' in event)) return event.seq;
  }
  return 0;
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** A session under test: turns through the client SDK or raw, with the inputs sent so far. */
interface SessionUnderTest {
  index: number;
  id: string;
  raw: boolean;
  handle: Session;
  inputs: string[];
  /** One generator per session: its inputs do not depend on how the sessions interleave. */
  random: SeededRandom;
}

describe(`stream resume: ${TARGET_DISCONNECTS} random disconnects during streamed turns`, () => {
  it('delivers every event exactly once, in order, on every resumed stream', async () => {
    const startedAt = Date.now();
    const deadline = startedAt + DEADLINE_MS;
    const clientCounts: ClientCounts = { resumes: 0, deltaResumes: 0, reopens: 0 };
    const rawCounts = new RawCounts();
    const direct = new ConfabClient({ baseUrl: running.url, token });
    const flaky = new ConfabClient({
      baseUrl: proxy.url,
      token,
      // Every connection is cut, some before their first event: more reconnects in a row than the
      // default 3 must be allowed, and short delays keep the run brisk.
      retry: CLIENT_RETRY,
      fetch: countingFetch(clientCounts),
    });

    const sessions: SessionUnderTest[] = await Promise.all(
      Array.from({ length: CLIENT_SESSIONS + RAW_SESSIONS }, async (_, index) => {
        const created = await direct.sessions.create({ clientSessionId: `resume-${index}` });
        const random = createSeededRandom((SEED ^ 0x9e3779b9) + index);
        return {
          index,
          id: created.id,
          raw: index >= CLIENT_SESSIONS,
          handle: flaky.session(created.id),
          inputs: [],
          random,
        };
      }),
    );
    const tails = sessions.flatMap((session) => [
      { session, label: `client tail of session ${session.index}`, tail: clientTail(session.handle, 'client tail') },
      { session, label: `raw tail of session ${session.index}`, tail: rawTail(session.id, 'raw tail', rawCounts) },
    ]);

    const problems: string[] = [];
    const reports: DeliveryReport[] = [];
    let turns = 0;

    /** One streamed turn of `session`, checked against the log as soon as it ended. */
    const streamOneTurn = async (session: SessionUnderTest) => {
      const turn = session.inputs.length + 1;
      const label = `${session.raw ? 'raw' : 'client'} session ${session.index} turn ${turn}`;
      const plan = planTurn(session.random, `[s${session.index}t${turn}]`);
      session.inputs.push(plan.input);
      const streamed = session.raw
        ? await rawTurn(session.id, plan, label, rawCounts)
        : await clientTurn(session.handle, plan, label);
      turns += 1;
      problems.push(...streamed.problems);
      const log = await readLog(session.id);
      const range = log.filter((event) => event.turn === streamed.turnIndex);
      if (range[0]?.type !== 'turn-start' || range.at(-1)?.type !== 'turn-end') {
        problems.push(`${label}: the log's turn ${streamed.turnIndex} is not turn-start … turn-end`);
      }
      const last = streamed.events.at(-1);
      if (last?.type !== 'turn-end') problems.push(`${label}: the stream ended with ${last?.type ?? 'nothing'}`);
      const report = checkDelivery(label, streamed.events, range);
      reports.push(report);
      problems.push(...report.problems);
    };

    // Phase 1: turns stream in every session at once until the target number of faults was injected.
    const moreTurns = (session: SessionUnderTest) =>
      proxy.stats.disconnects < TARGET_DISCONNECTS || session.inputs.length < MIN_TURNS_PER_SESSION;
    await Promise.all(
      sessions.map(async (session) => {
        while (moreTurns(session) && Date.now() < deadline && problems.length === 0) {
          await streamOneTurn(session);
        }
      }),
    );
    const turnPhaseDisconnects = proxy.stats.disconnects;

    // Phase 2: nothing happens while the tails lose connection after connection, then one more turn
    // per session: a live tail must still be there for it, however many quiet reconnects it took.
    phase = 'quiet';
    const quietStart = { disconnects: proxy.stats.disconnects, clientResumes: clientCounts.resumes };
    await waitUntil(
      () =>
        clientCounts.resumes - quietStart.clientResumes >= QUIET_RECONNECTS_PER_TAIL * sessions.length ||
        tails.every(({ tail }) => !tail.alive()),
      CATCH_UP_MS,
    );
    const quietDisconnects = proxy.stats.disconnects - quietStart.disconnects;
    const quietClientResumes = clientCounts.resumes - quietStart.clientResumes;
    phase = 'turns';
    await Promise.all(sessions.map((session) => streamOneTurn(session)));

    for (const session of sessions) {
      const log = await readLog(session.id);
      // A turn POSTed again after a broken answer must have been replayed, never run a second time.
      const inputs = log.flatMap((event) => (event.type === 'input' ? [event.data.text] : []));
      if (JSON.stringify(inputs) !== JSON.stringify(session.inputs)) {
        problems.push(
          `session ${session.index}: the log's ${inputs.length} inputs differ from the ${session.inputs.length} sent`,
        );
      }
      const turnStarts = log.filter((event) => event.type === 'turn-start').length;
      if (turnStarts !== session.inputs.length) {
        problems.push(`session ${session.index}: ${turnStarts} turns ran for ${session.inputs.length} requested`);
      }
    }

    for (const { session, label, tail } of tails) {
      const log = await readLog(session.id);
      const finalSeq = log.at(-1)?.seq ?? 0;
      const caughtUp = await waitUntil(() => tail.lastSeq() >= finalSeq || !tail.alive(), CATCH_UP_MS);
      problems.push(...(await tail.stop()).map((problem) => `${label}: ${problem}`));
      if (!caughtUp || tail.lastSeq() < finalSeq) {
        problems.push(`${label}: never caught up with seq ${finalSeq} (at ${tail.lastSeq()})`);
      }
      const report = checkDelivery(label, tail.events, log);
      reports.push(report);
      problems.push(...report.problems);
    }

    const { disconnects, resets, connections } = proxy.stats;
    const finalDisconnects = disconnects - turnPhaseDisconnects - quietDisconnects;
    const resumes = clientCounts.resumes + rawCounts.resumes;
    const deltaResumes = clientCounts.deltaResumes + rawCounts.deltaResumes;
    const reopens = clientCounts.reopens + rawCounts.reopens;
    const persisted = reports.reduce((sum, report) => sum + report.persisted, 0);
    const deltas = reports.reduce((sum, report) => sum + report.deltas, 0);
    console.log(
      `stream-resume: ${disconnects} disconnects injected (${turnPhaseDisconnects} while turns streamed, ` +
        `${quietDisconnects} on quiet tails, ${finalDisconnects} in the last turns and catch-up; ${resets} resets) ` +
        `over ${connections} connections, ` +
        `${resumes} resumes with Last-Event-ID (${deltaResumes} from a delta id; client ${clientCounts.resumes} ` +
        `of which ${quietClientResumes} quiet, raw ${rawCounts.resumes} of which ${rawCounts.deltaResumes} from a delta id), ${reopens} turns re-POSTed with their key, ` +
        `${turns} turns, ${persisted + deltas} events checked (${persisted} persisted, ${deltas} deltas) ` +
        `on ${reports.length} streams, ${problems.length} problems, seed ${SEED}, ` +
        `${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    );

    expect(problems).toEqual([]);
    expect(turnPhaseDisconnects).toBeGreaterThanOrEqual(TARGET_DISCONNECTS);
    // Almost every cut lands on a stream still in progress, which then has to resume.
    expect(resumes + reopens).toBeGreaterThanOrEqual(Math.floor(disconnects / 2));
    expect(deltaResumes).toBeGreaterThan(0);
    // The server resumed from a delta id for a reader that skips nothing itself.
    expect(rawCounts.deltaResumes).toBeGreaterThan(0);
    expect(quietClientResumes).toBeGreaterThanOrEqual(QUIET_RECONNECTS_PER_TAIL * sessions.length);
  });
});
