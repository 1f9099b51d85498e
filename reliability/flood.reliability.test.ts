/**
 * Flood by one app: with the default limits, app b holds more SSE streams than its share, starts
 * more sleeping turns than its share, queues inputs into many sessions (batched turns) and creates
 * sessions until refused, all at once. Meanwhile app a must be served as if b were not there: its
 * streams open, its sessions are created, its turns run and its queued input is taken. b's excess
 * is refused with 429 `rate_limited` and `Retry-After` (never 503), at most its share of turns runs
 * at once (batched ones included), and once the flood stops every input b queued was taken.
 */
import { setMaxListeners } from 'node:events';
import { DEFAULT_LIMITS } from '@confab/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiAnswer,
  eventually,
  type Loose,
  startTestServer,
  type TestServer,
} from '../packages/server/src/test-support/harness.js';

/** Streams b tries to hold (default: its share + 50). */
const STREAMS = Number(process.env.RELIABILITY_FLOOD_STREAMS ?? DEFAULT_LIMITS.maxOpenStreamsPerApp + 50);
/** Sleeping turns b requests at once (default: its share × 2). */
const TURNS = Number(process.env.RELIABILITY_FLOOD_TURNS ?? DEFAULT_LIMITS.maxRunningTurnsPerApp * 2);
/** Sessions b queues one input into (batched turns). */
const QUEUED = Number(process.env.RELIABILITY_FLOOD_QUEUED ?? 64);

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

async function runningTurns(): Promise<number> {
  const text = (await t.api.get('/metrics', { token: null })).body as string;
  return Number(/^confab_running_turns (\d+)/m.exec(text)?.[1] ?? 0);
}

function tally(answers: Array<{ status: number }>): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const answer of answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
  return counts;
}

describe('flood by one app', () => {
  it('keeps serving app a while app b sits at every share; b gets 429, never 503', async () => {
    const flooder = t.as('b');
    const started = Date.now();
    const sessions: Loose[] = await Promise.all(Array.from({ length: TURNS + QUEUED }, () => flooder.createSession()));
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);

    // b: streams past its share. The responses are kept: fetch cancels the body of a response that
    // is garbage-collected, which would close its stream and free its slot.
    const responses = await Promise.all(
      Array.from({ length: STREAMS }, () => flooder.fetch('GET', '/v1/lifecycle', { signal: controller.signal })),
    );
    const streams = responses.map((response) => ({
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
    }));
    // b: sleeping turns past its share, and inputs queued into other sessions (batched turns).
    const turns = sessions
      .slice(0, TURNS)
      .map((session) => flooder.post(`/v1/sessions/${session.id}/turns`, { input: '/sleep 3000 flood' }));
    let most = 0;
    const sampler = setInterval(() => {
      runningTurns().then(
        (running) => {
          most = Math.max(most, running);
        },
        () => undefined,
      );
    }, 50);
    const queued = await Promise.all(
      sessions
        .slice(TURNS)
        .map((session) => flooder.post(`/v1/sessions/${session.id}/inputs`, { input: '/sleep 300 queued' })),
    );
    // b: sessions until refused, 20 at a time (the budget refills while b creates).
    const creations: ApiAnswer[] = [];
    while (
      !creations.some((answer) => answer.status === 429) &&
      creations.length < 10 * DEFAULT_LIMITS.sessionsPerMinute
    ) {
      creations.push(...(await Promise.all(Array.from({ length: 20 }, () => flooder.post('/v1/sessions', {})))));
    }

    // a, during the flood.
    const mine = new AbortController();
    const stream = await t.api.fetch('GET', '/v1/lifecycle', { signal: mine.signal });
    const session = await t.api.createSession();
    const turn = await t.api.turn(session.id, 'served during the flood');
    const input = await t.api.post(`/v1/sessions/${session.id}/inputs`, { input: 'queued during the flood' });
    await eventually(async () => (await t.api.get(`/v1/sessions/${session.id}`)).body.session.turnCount === 2, 30_000);
    const upload = await t.api.call('POST', '/v1/files', { raw: new Uint8Array(1024) });
    const servedA = { stream: stream.status, turn: turn.stopReason, input: input.status, upload: upload.status };
    mine.abort();

    const turnAnswers = await Promise.all(turns);
    await eventually(async () => {
      const counts = await Promise.all(
        sessions
          .slice(TURNS)
          .map(async (item) => (await flooder.get(`/v1/sessions/${item.id}`)).body.session.turnCount),
      );
      return counts.every((count) => count === 1);
    }, 120_000);
    clearInterval(sampler);
    const stillOpen = (await t.api.get('/metrics', { token: null })).body as string;
    controller.abort();
    await Promise.all(responses.map((response) => response.body?.cancel().catch(() => undefined)));

    const figures = {
      streams: tally(streams),
      turns: tally(turnAnswers),
      queued: tally(queued),
      sessionsCreatedBeforeRefusal: creations.filter((answer) => answer.status === 201).length + sessions.length,
      mostRunningTurns: most,
      streamsOfBStillOpenAtTheEnd: Number(/^confab_open_streams\{kind="lifecycle"\} (\d+)/m.exec(stillOpen)?.[1]),
      servedA,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    console.log(`flood by one app: ${JSON.stringify(figures)}`);

    expect(servedA).toEqual({ stream: 200, turn: 'stop', input: 202, upload: 201 });
    expect(figures.streams).toEqual({
      200: DEFAULT_LIMITS.maxOpenStreamsPerApp,
      429: STREAMS - DEFAULT_LIMITS.maxOpenStreamsPerApp,
    });
    expect(streams.filter((item) => item.status === 429).every((item) => Number(item.retryAfter) >= 1)).toBe(true);
    expect(figures.turns[503]).toBeUndefined();
    expect(figures.turns[429]).toBeGreaterThan(0);
    expect(figures.queued).toEqual({ 202: QUEUED });
    expect(tally(creations)[429]).toBeGreaterThan(0);
    expect(tally(creations)[503]).toBeUndefined();
    expect(figures.streamsOfBStillOpenAtTheEnd).toBe(DEFAULT_LIMITS.maxOpenStreamsPerApp);
    // b's batched turns counted against its share: never more than its share ran at once (plus a's one).
    expect(most).toBeLessThanOrEqual(DEFAULT_LIMITS.maxRunningTurnsPerApp + 1);
  });
});
