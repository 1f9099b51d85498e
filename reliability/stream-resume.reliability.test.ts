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
import { ConfabClient, type Session } from '@confab/client';
import { serve } from '@confab/server';
import { SqliteStore } from '@confab/sqlite';
import { createModelResolver, newId, newSecret, sha256Hex } from 'confab';
import { createEchoModel } from 'confab/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDelivery, type DeliveryReport } from './support/check-delivery.js';
import { type ClientCounts, countingFetch } from './support/counting-fetch.js';
import { type FlakyProxy, startFlakyProxy } from './support/flaky-proxy.js';
import { readSessionLog } from './support/read-session-log.js';
import { createSeededRandom, type SeededRandom, seedFromEnvironment } from './support/seeded-random.js';
import { clientTail, rawTail } from './support/stream-resume-tails.js';
import { clientTurn, planTurn, RawCounts, rawTurn } from './support/stream-resume-turns.js';
import { waitUntil } from './support/wait-until.js';

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
    resolveModel: createModelResolver({ providers: { paced: () => createEchoModel({ chunkSize: 3, delayMs: 2 }) } }),
    allowedModels: ['echo', 'paced:x'],
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
      {
        session,
        label: `raw tail of session ${session.index}`,
        tail: rawTail({ baseUrl: proxy.url, token, sessionId: session.id, label: 'raw tail', counts: rawCounts }),
      },
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
        ? await rawTurn({
            baseUrl: proxy.url,
            token,
            sessionId: session.id,
            plan,
            label,
            counts: rawCounts,
            watchdogMs: TURN_WATCHDOG_MS,
          })
        : await clientTurn(session.handle, plan, label, TURN_WATCHDOG_MS);
      turns += 1;
      problems.push(...streamed.problems);
      const log = await readSessionLog(running.url, token, session.id);
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
      const log = await readSessionLog(running.url, token, session.id);
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
      const log = await readSessionLog(running.url, token, session.id);
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
