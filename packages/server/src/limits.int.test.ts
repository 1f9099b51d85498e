import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Loose, sleep, startTestServer, type TestServer } from './test-support/harness.js';
import { SseReader } from './test-support/sse-reader.js';

function expectError(answer: { status: number; body: Loose }, status: number, code: string) {
  expect(answer.status).toBe(status);
  expect(answer.body.error.code).toBe(code);
}

describe('limits', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      pool: { turnWaitMs: 300 },
      app: {
        limits: {
          maxBodyBytes: 16 * 1024,
          maxInputChars: 100,
          maxFileBytes: 1024,
          turnsPerMinute: 8,
          maxRunningTurns: 2,
          maxOpenStreams: 2,
        },
      },
    });
  });
  afterAll(() => t.close());

  it('refuses large bodies, inputs, files and meta with 413', async () => {
    const session = await t.api.createSession();
    expectError(await t.api.post('/v1/sessions', { title: 'x'.repeat(17 * 1024) }), 413, 'payload_too_large');
    expectError(
      await t.api.post(`/v1/sessions/${session.id}/turns`, { input: 'x'.repeat(101) }),
      413,
      'payload_too_large',
    );
    expectError(
      await t.api.post(`/v1/sessions/${session.id}/inputs`, { input: 'x'.repeat(101) }),
      413,
      'payload_too_large',
    );
    expectError(await t.api.call('POST', '/v1/files', { raw: new Uint8Array(1025) }), 413, 'payload_too_large');
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(1025)]), 'big.bin');
    expectError(await t.api.call('POST', '/v1/files', { raw: form }), 413, 'payload_too_large');
    const meta = Object.fromEntries(Array.from({ length: 8 }, (_, index) => [`k${index}`, 'v'.repeat(10_000)]));
    for (const [key, value] of Object.entries(meta)) {
      const answer = await t.api.call('PATCH', `/v1/sessions/${session.id}`, { body: { meta: { [key]: value } } });
      if (answer.status !== 200) {
        expectError(answer, 413, 'payload_too_large');
        return;
      }
    }
    throw new Error('meta grew past 64 KiB without a 413');
  });

  it('answers 409 turn_in_progress after the wait, and 503 when all turn slots are taken', async () => {
    const [first, second, third] = [
      await t.api.createSession(),
      await t.api.createSession(),
      await t.api.createSession(),
    ];
    const long = t.api.turn(first.id, '/sleep 1200 long');
    await sleep(100);
    expectError(await t.api.post(`/v1/sessions/${first.id}/turns`, { input: 'waits' }), 409, 'turn_in_progress');
    const other = t.api.turn(second.id, '/sleep 800 other');
    await sleep(100);
    const full = await t.api.post(`/v1/sessions/${third.id}/turns`, { input: 'no room' });
    expectError(full, 503, 'unavailable');
    expect(full.headers.get('retry-after')).toBe('1');
    await Promise.all([long, other]);
    expect((await t.api.post(`/v1/sessions/${third.id}/turns`, { input: 'room again' })).status).toBe(200);
  });

  it('rate-limits turns per app with 429 and Retry-After; other apps are unaffected', async () => {
    const other = t.as('b');
    const session = await other.createSession();
    const answers = [];
    for (let index = 0; index < 9; index++) {
      answers.push(await other.post(`/v1/sessions/${session.id}/inputs`, { input: `n${index}` }));
    }
    expect(answers.slice(0, 8).every((answer) => answer.status === 202)).toBe(true);
    expectError(answers[8]!, 429, 'rate_limited');
    expect(Number(answers[8]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const mine = await t.api.createSession();
    expect((await t.api.post(`/v1/sessions/${mine.id}/inputs`, { input: 'fine' })).status).toBe(202);
  });

  it('refuses a stream past the open-stream limit with 503', async () => {
    const controller = new AbortController();
    const open = [
      await t.api.fetch('GET', '/v1/lifecycle', { signal: controller.signal }),
      await t.api.fetch('GET', '/v1/lifecycle', { signal: controller.signal }),
    ];
    expect(open.map((response) => response.status)).toEqual([200, 200]);
    expectError(await t.api.get('/v1/lifecycle'), 503, 'unavailable');
    controller.abort();
    await sleep(100);
    const reopened = new AbortController();
    expect((await t.api.fetch('GET', '/v1/lifecycle', { signal: reopened.signal })).status).toBe(200);
    reopened.abort();
  });

  it('frees the stream slot of a HEAD on a streaming route (found by the fuzzer)', async () => {
    const session = await t.api.createSession();
    for (let round = 0; round < 3; round++) {
      const lifecycle = await t.api.fetch('HEAD', '/v1/lifecycle');
      const events = await t.api.fetch('HEAD', `/v1/sessions/${session.id}/events`, {
        headers: { accept: 'text/event-stream' },
      });
      expect([lifecycle.status, events.status]).toEqual([200, 200]);
    }
    await sleep(50);
    const controller = new AbortController();
    const stream = await t.api.fetch('GET', '/v1/lifecycle', { signal: controller.signal });
    expect(stream.status).toBe(200);
    controller.abort();
  });
});

describe('IP allowlist', () => {
  it('refuses clients outside the list (401) but always answers /healthz', async () => {
    const closed = await startTestServer({ app: { auth: { ipAllowlist: ['10.0.0.0/8'] } } });
    const open = await startTestServer({ app: { auth: { ipAllowlist: ['127.0.0.1', '::1'] } } });
    try {
      expectError(await closed.api.get('/v1/sessions'), 401, 'unauthenticated');
      expect((await closed.api.get('/healthz', { token: null })).status).toBe(200);
      expect((await open.api.get('/v1/sessions')).status).toBe(200);
    } finally {
      await Promise.all([closed.close(), open.close()]);
    }
  });
});

describe('graceful shutdown', () => {
  it('lets a running turn finish, ends live tails and refuses new requests', async () => {
    const t = await startTestServer();
    const session = await t.api.createSession();
    const tail = new SseReader(
      await t.api.fetch('GET', `/v1/sessions/${session.id}/events`, { headers: { accept: 'text/event-stream' } }),
    );
    const turn = t.api.turn(session.id, '/sleep 400 finishing');
    await sleep(100);
    const closing = t.close();
    await sleep(50);
    const refused = await t.api.get(`/v1/sessions/${session.id}`).catch(() => ({ status: 503 }));
    expect(refused.status).toBe(503);
    const finished = await turn;
    expect(finished.stopReason).toBe('stop');
    expect(finished.events.at(-2).data.text).toBe('echo: finishing');
    await tail.done;
    await closing;
  });

  it('stops turns still running at the deadline', async () => {
    const t = await startTestServer();
    const session = await t.api.createSession();
    const turn = t.api.turn(session.id, '/sleep 20000 too slow');
    await sleep(100);
    await t.running.close({ deadlineMs: 100 });
    const stopped = await turn;
    expect(stopped.stopReason).toBe('aborted');
    await t.close();
  });
});
