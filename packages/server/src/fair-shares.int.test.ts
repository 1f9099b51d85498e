import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiAnswer, eventually, type Loose, startTestServer, type TestServer } from './test-support/harness.js';

// Issue 15: limits were server-wide, so one app at a cap locked every other app out (503), and
// turns started from queued inputs were not counted at all. Each app now has a share: over it,
// that app gets 429 with Retry-After while the others are served.

function expectRateLimited(answer: ApiAnswer) {
  expect([answer.status, answer.body?.error?.code]).toEqual([429, 'rate_limited']);
  expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
}

async function gauge(t: TestServer, name: string): Promise<number> {
  const text = (await t.api.get('/metrics', { token: null })).body as string;
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
}

describe('fair shares of streams and running turns', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      app: {
        limits: {
          turnsPerMinute: 0,
          maxOpenStreams: 8,
          maxOpenStreamsPerApp: 3,
          maxRunningTurns: 8,
          maxRunningTurnsPerApp: 2,
          maxQueuedInputsPerApp: 4,
        },
      },
    });
  });
  afterAll(() => t.close());

  it('refuses an app past its share of open streams with 429; another app still gets its streams', async () => {
    const flooder = t.as('b');
    const controller = new AbortController();
    const held = await Promise.all(
      [1, 2, 3].map(() => flooder.fetch('GET', '/v1/lifecycle', { signal: controller.signal })),
    );
    expect(held.map((response) => response.status)).toEqual([200, 200, 200]);
    expectRateLimited(await flooder.get('/v1/lifecycle'));
    const session = await flooder.createSession();
    expectRateLimited(
      await flooder.get(`/v1/sessions/${session.id}/events`, { headers: { accept: 'text/event-stream' } }),
    );
    const mine = new AbortController();
    expect((await t.api.fetch('GET', '/v1/lifecycle', { signal: mine.signal })).status).toBe(200);
    mine.abort();
    controller.abort();
  });

  it('refuses an app past its share of running turns with 429; another app still runs turns', async () => {
    const flooder = t.as('b');
    const sessions = await Promise.all([1, 2, 3].map(() => flooder.createSession()));
    const sleeping = sessions.slice(0, 2).map((session) => flooder.turn(session.id, '/sleep 1500 hold'));
    await eventually(async () => (await gauge(t, 'confab_running_turns')) === 2);
    expectRateLimited(await flooder.post(`/v1/sessions/${sessions[2].id}/turns`, { input: 'one too many' }));
    const mine = await t.api.createSession();
    expect((await t.api.turn(mine.id, 'still served')).stopReason).toBe('stop');
    await Promise.all(sleeping);
  });

  it('counts turns started from queued inputs: they take their app’s slots and wait for one', async () => {
    const flooder = t.as('b');
    const sessions: Loose[] = await Promise.all([1, 2, 3, 4].map(() => flooder.createSession()));
    for (const session of sessions) {
      expect((await flooder.post(`/v1/sessions/${session.id}/inputs`, { input: '/sleep 600 queued' })).status).toBe(
        202,
      );
    }
    let most = 0;
    let refused: ApiAnswer | null = null;
    const extra = await flooder.createSession();
    await eventually(async () => {
      const running = await gauge(t, 'confab_running_turns');
      most = Math.max(most, running);
      if (running === 2 && !refused)
        refused = await flooder.post(`/v1/sessions/${extra.id}/turns`, { input: 'no slot' });
      const counts = await Promise.all(
        sessions.map(async (session) => (await flooder.get(`/v1/sessions/${session.id}`)).body.session.turnCount),
      );
      return counts.every((count) => count === 1) && running === 0;
    }, 15_000);
    // Before the fix the gauge read 0 throughout and all four ran at once.
    expect(most).toBe(2);
    expect(refused).not.toBeNull();
    expectRateLimited(refused!);
  });

  it('refuses an app past its share of queued inputs with 429, and frees the share once turns took them', async () => {
    const flooder = t.as('b');
    const session = await flooder.createSession();
    // A running turn keeps the queued inputs waiting.
    const blocker = flooder.turn(session.id, '/sleep 800 busy');
    await eventually(async () => (await gauge(t, 'confab_running_turns')) >= 1);
    for (const index of [1, 2, 3, 4]) {
      expect((await flooder.post(`/v1/sessions/${session.id}/inputs`, { input: `q${index}` })).status).toBe(202);
    }
    expectRateLimited(await flooder.post(`/v1/sessions/${session.id}/inputs`, { input: 'q5' }));
    const mine = await t.api.createSession();
    expect((await t.api.post(`/v1/sessions/${mine.id}/inputs`, { input: 'mine' })).status).toBe(202);
    await blocker;
    await eventually(
      async () => (await flooder.post(`/v1/sessions/${session.id}/inputs`, { input: 'again' })).status === 202,
    );
  });
});

describe('quotas of sessions, meta and uploads', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      app: { limits: { sessionsPerMinute: 4, maxFileBytes: 1024, uploadBytesPerMinute: 2048 } },
    });
  });
  afterAll(() => t.close());

  it('limits the sessions an app creates per minute (create, fork, rotate); other apps still create', async () => {
    const flooder = t.as('b');
    const first = await flooder.createSession();
    await flooder.createSession();
    expect((await flooder.post(`/v1/sessions/${first.id}/fork`, {})).status).toBe(201);
    expect((await flooder.post('/v1/channels/room/rotate', {})).status).toBe(200);
    expectRateLimited(await flooder.post('/v1/sessions', {}));
    expectRateLimited(await flooder.post(`/v1/sessions/${first.id}/fork`, {}));
    expectRateLimited(await flooder.post('/v1/channels/room/rotate', {}));
    // Resolving the existing session is a lookup, not a new session.
    expect((await flooder.post('/v1/channels/room/resolve', {})).body.created).toBe(false);
    expect((await t.api.post('/v1/sessions', {})).status).toBe(201);
  });

  it('caps meta on create like PATCH does (413), so no session starts with a meta no PATCH could leave', async () => {
    const answer = await t.api.post('/v1/sessions', { meta: { big: 'x'.repeat(65 * 1024) } });
    expect([answer.status, answer.body.error.code]).toEqual([413, 'payload_too_large']);
  });

  it('limits the bytes an app uploads per minute; other apps still upload', async () => {
    const flooder = t.as('b');
    const upload = (client = flooder) => client.call('POST', '/v1/files', { raw: new Uint8Array(1000).fill(7) });
    expect((await upload()).status).toBe(201);
    expect((await upload()).status).toBe(201);
    expectRateLimited(await upload());
    expect((await upload(t.api)).status).toBe(201);
  });
});
