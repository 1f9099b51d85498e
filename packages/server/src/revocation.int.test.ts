import { newId, newSecret, sha256Hex } from 'confab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, eventually, startTestServer, type TestServer } from './test-support/harness.js';
import { SseReader } from './test-support/sse-reader.js';

// Issue 15: a stream opened before its token was revoked kept receiving new events. The server
// never hears of a revocation (`confab token revoke` writes the store directly), so it must notice.

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

/** A second token of app a, revocable by id. */
async function extraToken(): Promise<{ id: string; api: ApiClient }> {
  const token = newSecret(32);
  const id = newId('tok');
  await t.store.createToken({ id, appId: 'app-a', tokenHash: await sha256Hex(token), label: 'revocable' });
  return { id, api: new ApiClient(t.url, token) };
}

const sse = { accept: 'text/event-stream' };

describe('revoking a token', () => {
  it('ends that token’s open /events, /lifecycle and turn streams; other tokens’ streams go on', async () => {
    const doomed = await extraToken();
    const session = await t.api.createSession();
    const events = new SseReader(await doomed.api.fetch('GET', `/v1/sessions/${session.id}/events`, { headers: sse }));
    const lifecycle = new SseReader(await doomed.api.fetch('GET', '/v1/lifecycle'));
    const other = await t.api.createSession();
    const turn = new SseReader(
      await doomed.api.fetch('POST', `/v1/sessions/${other.id}/turns`, {
        body: { input: '/sleep 3000 long' },
        headers: sse,
      }),
    );
    const survivor = new SseReader(await t.api.fetch('GET', `/v1/sessions/${session.id}/events`, { headers: sse }));
    expect([events, lifecycle, turn, survivor].map((reader) => reader.response.status)).toEqual([200, 200, 200, 200]);
    await turn.until((frame) => frame.event === 'turn-start');

    expect(await t.store.revokeToken(doomed.id)).toBe(true);
    let ended = false;
    Promise.all([events.done, lifecycle.done, turn.done]).then(() => {
      ended = true;
    });
    await eventually(() => ended, 5000);
    // The revoked token is refused from now on, and its turn went on without it.
    expect((await doomed.api.get(`/v1/sessions/${session.id}`)).status).toBe(401);
    await t.api.turn(session.id, 'after the revocation');
    const seen = await survivor.until((frame) => frame.event === 'turn-end');
    expect(seen.some((frame) => frame.event === 'message')).toBe(true);
    expect(events.frames.some((frame) => frame.event === 'turn-end')).toBe(false);
    await eventually(async () => (await t.api.get(`/v1/sessions/${other.id}`)).body.session.turnCount === 1);
    survivor.response.body?.cancel().catch(() => undefined);
  });
});
