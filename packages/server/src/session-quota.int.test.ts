import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from './test-support/expectations.js';
import { type ApiAnswer, startTestServer, type TestServer } from './test-support/harness.js';

// Issue 15: nothing bounded how many sessions an app could hold (4,048 in 10 s; only the rate per
// minute was capped later). Each app now has a quota of stored sessions, counted in the store.

function expectQuota(answer: ApiAnswer) {
  expectError(answer, 429, 'quota_exceeded');
  // A quota is not a rate: waiting does not help, so there is no Retry-After.
  expect(answer.headers.get('retry-after')).toBeNull();
}

describe('the per-app session quota', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ app: { limits: { sessionsPerMinute: 0, maxSessionsPerApp: 3 } } });
  });
  afterAll(() => t.close());

  it('refuses every way of creating a session past the quota with 429 quota_exceeded; other apps go on', async () => {
    const first = await t.api.createSession({ clientSessionId: 'known' });
    const channel = await t.api.post('/v1/channels/support/resolve', {});
    expect(channel.status).toBe(200);
    await t.api.post(`/v1/sessions/${first.id}/turns`, { input: 'for a snapshot' });
    expect((await t.api.post('/v1/sessions', {})).status).toBe(201);
    expect(await t.store.countSessions('app-a')).toBe(3);

    expectQuota(await t.api.post('/v1/sessions', {}));
    expectQuota(await t.api.post('/v1/sessions', { clientSessionId: 'new-one' }));
    expectQuota(await t.api.post('/v1/channels/other/resolve', {}));
    expectQuota(await t.api.post('/v1/channels/support/rotate', {}));
    expectQuota(await t.api.post(`/v1/sessions/${first.id}/fork`, {}));
    // Nothing was created by the refusals (a clientSessionId create is undone).
    expect(await t.store.countSessions('app-a')).toBe(3);
    expect((await t.as('b').post('/v1/sessions', {})).status).toBe(201);
  });

  it('still answers requests that find an existing session at the quota', async () => {
    const again = await t.api.post('/v1/sessions', { clientSessionId: 'known' });
    expect(again.status).toBe(200);
    const channel = await t.api.post('/v1/channels/support/resolve', {});
    expect([channel.status, channel.body.created]).toEqual([200, false]);
  });

  it('counts the store, not this process: sessions another process created count, deleted ones free room', async () => {
    // Another process sharing the store (here, a direct write) fills app b's quota.
    await t.store.createSession({ appId: 'app-b' });
    await t.store.createSession({ appId: 'app-b' });
    expectQuota(await t.as('b').post('/v1/sessions', {}));
    const listed = await t.api.get('/v1/sessions');
    const victim = listed.body.sessions[0].id as string;
    expect((await t.api.call('DELETE', `/v1/sessions/${victim}?hard=true`)).status).toBe(200);
    expect((await t.api.post('/v1/sessions', {})).status).toBe(201);
  });
});
