import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, type Loose, sleep, startTestServer, type TestServer } from './test-support/harness.js';
import { SseReader } from './test-support/sse-reader.js';

let t: TestServer;
let owner: ApiClient;
let intruder: ApiClient;
/** App a's session with a turn, a snapshot and a file. */
let victim: { id: string; snapshotId: string; fileToken: string };

beforeAll(async () => {
  t = await startTestServer();
  owner = t.as('a');
  intruder = t.as('b');
  const session = await owner.createSession({ channel: 'shared-name', clientSessionId: 'same-client-id' });
  const turn = await owner.turn(session.id, 'secret of app a');
  const file = await owner.call('POST', '/v1/files', { raw: 'secret bytes' });
  victim = { id: session.id, snapshotId: turn.snapshotId, fileToken: file.body.fileToken };
});
afterAll(() => t.close());

/** Every route on a session id, with a body that would be valid for the owner. */
function sessionRoutes(
  id: string,
): Array<{ method: string; path: string; body?: unknown; headers?: Record<string, string> }> {
  return [
    { method: 'GET', path: `/v1/sessions/${id}` },
    { method: 'PATCH', path: `/v1/sessions/${id}`, body: { title: 'hijacked' } },
    { method: 'DELETE', path: `/v1/sessions/${id}` },
    { method: 'DELETE', path: `/v1/sessions/${id}?hard=true` },
    { method: 'POST', path: `/v1/sessions/${id}/archive`, body: {} },
    { method: 'POST', path: `/v1/sessions/${id}/turns`, body: { input: 'hi' } },
    {
      method: 'POST',
      path: `/v1/sessions/${id}/turns`,
      body: { input: 'hi' },
      headers: { accept: 'text/event-stream' },
    },
    { method: 'POST', path: `/v1/sessions/${id}/turns`, body: { input: 42 } },
    { method: 'POST', path: `/v1/sessions/${id}/inputs`, body: { input: 'hi' } },
    { method: 'POST', path: `/v1/sessions/${id}/resume`, body: { toolResults: [{ toolCallId: 'c', output: 1 }] } },
    {
      method: 'POST',
      path: `/v1/sessions/${id}/resume`,
      body: { approvals: [{ toolCallId: 'c', approved: true }] },
      headers: { accept: 'text/event-stream' },
    },
    { method: 'POST', path: `/v1/sessions/${id}/stop`, body: {} },
    { method: 'GET', path: `/v1/sessions/${id}/events` },
    { method: 'GET', path: `/v1/sessions/${id}/events`, headers: { accept: 'text/event-stream' } },
    {
      method: 'GET',
      path: `/v1/sessions/${id}/events`,
      headers: { accept: 'text/event-stream', 'last-event-id': '1' },
    },
    { method: 'GET', path: `/v1/sessions/${id}/messages` },
    { method: 'GET', path: `/v1/sessions/${id}/snapshots` },
    { method: 'POST', path: `/v1/sessions/${id}/fork`, body: {} },
    { method: 'POST', path: `/v1/sessions/${id}/compact`, body: {} },
  ];
}

describe('another app sees nothing of app a', () => {
  it('answers 404 not_found on every session route, identical to a missing id', async () => {
    for (const route of sessionRoutes(victim.id)) {
      const answer = await intruder.call(route.method, route.path, { body: route.body, headers: route.headers });
      expect({ route: `${route.method} ${route.path}`, status: answer.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 404,
      });
      expect(answer.body.error.code).toBe('not_found');
      expect(JSON.stringify(answer.body)).not.toContain('secret');
      const missing = await intruder.call(
        route.method,
        route.path.replace(victim.id, 'ses_00000000000000000000000000000000'),
        {
          body: route.body,
          headers: route.headers,
        },
      );
      expect(missing.status).toBe(404);
      expect(missing.body.error.message.replace('ses_00000000000000000000000000000000', victim.id)).toBe(
        answer.body.error.message,
      );
    }
  });

  it('left the session untouched', async () => {
    const session = (await owner.get(`/v1/sessions/${victim.id}`)).body.session;
    expect(session).toMatchObject({ status: 'active', turnCount: 1, title: 'secret of app a' });
    const events = (await owner.get(`/v1/sessions/${victim.id}/events`)).body.events;
    expect(events).toHaveLength(4);
  });

  it('lists only its own sessions, and its own channel and clientSessionId namespaces', async () => {
    const list = await intruder.get('/v1/sessions?status=all&limit=200');
    expect(list.body.sessions.map((session: Loose) => session.id)).not.toContain(victim.id);
    expect(list.body.sessions.every((session: Loose) => session.appId === 'app-b')).toBe(true);
    const filtered = await intruder.get('/v1/sessions?channel=shared-name');
    expect(filtered.body.sessions).toEqual([]);
    const resolved = await intruder.post('/v1/channels/shared-name/resolve');
    expect(resolved.body.created).toBe(true);
    expect(resolved.body.session.id).not.toBe(victim.id);
    const rotated = await intruder.post('/v1/channels/shared-name/rotate');
    expect(rotated.body.archivedSessionId).toBe(resolved.body.session.id);
    const sameClientId = await intruder.post('/v1/sessions', { clientSessionId: 'same-client-id' });
    expect(sameClientId.status).toBe(201);
    expect(sameClientId.body.session.id).not.toBe(victim.id);
    expect((await owner.get(`/v1/sessions/${victim.id}`)).body.session.status).toBe('active');
  });

  it("refuses app a's snapshot and file token like unknown ones", async () => {
    const own = await intruder.createSession();
    await intruder.turn(own.id, 'mine');
    const fork = await intruder.post(`/v1/sessions/${own.id}/fork`, { snapshotId: victim.snapshotId });
    expect(fork.status).toBe(404);
    expect(fork.body.error.code).toBe('not_found');
    const foreign = await intruder.post(`/v1/sessions/${own.id}/turns`, { input: 'x', files: [victim.fileToken] });
    const unknown = await intruder.post(`/v1/sessions/${own.id}/turns`, { input: 'x', files: ['file_unknown'] });
    expect(foreign.status).toBe(400);
    expect(unknown.status).toBe(400);
    expect(foreign.body.error.message.replace(victim.fileToken, 'T')).toBe(
      unknown.body.error.message.replace('file_unknown', 'T'),
    );
    const queued = await intruder.post(`/v1/sessions/${own.id}/inputs`, { input: 'x', files: [victim.fileToken] });
    expect(queued.status).toBe(400);
  });

  it('streams no lifecycle event of app a to app b, and all of them to app a', async () => {
    const controller = new AbortController();
    const intruderStream = new SseReader(await intruder.fetch('GET', '/v1/lifecycle', { signal: controller.signal }));
    const ownerStream = new SseReader(await owner.fetch('GET', '/v1/lifecycle', { signal: controller.signal }));
    const session = await owner.createSession({ clientSessionId: 'lifecycle-client' });
    await owner.turn(session.id, 'hello');
    await owner.call('PATCH', `/v1/sessions/${session.id}`, { body: { title: 'x' } });
    await owner.post(`/v1/sessions/${session.id}/archive`);
    await owner.call('DELETE', `/v1/sessions/${session.id}`);
    await owner.call('DELETE', `/v1/sessions/${session.id}?hard=true`);
    const ownerFrames = await ownerStream.until((frame) => frame.event === 'session.deleted');
    expect(ownerFrames.map((frame) => frame.event)).toEqual([
      'session.created',
      'turn.started',
      'session.updated',
      'turn.ended',
      'session.updated',
      'session.archived',
      'session.closed',
      'session.deleted',
    ]);
    await sleep(100);
    controller.abort();
    await intruderStream.done;
    expect(intruderStream.frames).toEqual([]);
  });
});
