import { SessionListResponseSchema, SessionResponseSchema } from 'confab/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectWire, SESSION_KEYS } from './test-support/expectations.js';
import { type Loose, startTestServer, type TestServer } from './test-support/harness.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

describe('sessions', () => {
  it('creates with every field null when absent, and is idempotent by clientSessionId', async () => {
    const first = await t.api.post('/v1/sessions', {});
    expect(first.status).toBe(201);
    expect(Object.keys(first.body.session).sort()).toEqual(SESSION_KEYS);
    expectWire(SessionResponseSchema, first.body);
    expect(first.body.session).toMatchObject({
      appId: 'app-a',
      clientSessionId: null,
      channel: null,
      title: null,
      agent: null,
      model: null,
      status: 'active',
      meta: {},
      state: {},
      stateVersion: 0,
      turnCount: 0,
      lastTurnAt: null,
      closedAt: null,
      parent: null,
    });
    const body = { clientSessionId: 'client-1', agent: 'helper', model: 'echo', title: 'Hi', meta: { a: 1 } };
    const created = await t.api.post('/v1/sessions', body);
    expect(created.status).toBe(201);
    const again = await t.api.post('/v1/sessions', body);
    expect(again.status).toBe(200);
    expect(again.body.session.id).toBe(created.body.session.id);
    expect(created.body.session).toMatchObject({ agent: 'helper', model: 'echo', title: 'Hi', meta: { a: 1 } });
  });

  it('stores client-side tools on the session record', async () => {
    const tools = [{ name: 'pick_color', description: 'Ask the user', inputSchema: { type: 'object' } }];
    const session = await t.api.createSession({ tools });
    expect((await t.store.getSession(session.id))?.tools).toEqual(tools);
    expectError(await t.api.post('/v1/sessions', { tools: [tools[0], tools[0]] }), 400, 'invalid_argument');
  });

  it('refuses unknown fields and a second active session on a channel', async () => {
    expectError(await t.api.post('/v1/sessions', { titel: 'typo' }), 400, 'invalid_argument');
    await t.api.createSession({ channel: 'room-1' });
    expectError(await t.api.post('/v1/sessions', { channel: 'room-1' }), 409, 'conflict');
  });

  it('lists newest activity first with status default all, capped limit and cursors', async () => {
    const closed = await t.api.createSession({ channel: 'list-room' });
    await t.api.call('DELETE', `/v1/sessions/${closed.id}`);
    const all = await t.api.get('/v1/sessions');
    expect(all.status).toBe(200);
    expect(Object.keys(all.body)).toEqual(['sessions', 'nextCursor']);
    expectWire(SessionListResponseSchema, all.body);
    expect(all.body.sessions.map((session: Loose) => session.id)).toContain(closed.id);
    expect(all.body.sessions[0].id).toBe(closed.id);
    const active = await t.api.get('/v1/sessions?status=active');
    expect(active.body.sessions.every((session: Loose) => session.status === 'active')).toBe(true);
    const byChannel = await t.api.get('/v1/sessions?channel=list-room');
    expect(byChannel.body.sessions.map((session: Loose) => session.id)).toEqual([closed.id]);
    expect((await t.api.get('/v1/sessions?limit=5000')).status).toBe(200);
    const page = await t.api.get('/v1/sessions?limit=1');
    expect(page.body.sessions).toHaveLength(1);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const next = await t.api.get(`/v1/sessions?limit=1&cursor=${encodeURIComponent(page.body.nextCursor)}`);
    expect(next.body.sessions[0].id).not.toBe(page.body.sessions[0].id);
    expectError(await t.api.get('/v1/sessions?limit=0'), 400, 'invalid_argument');
    expectError(await t.api.get('/v1/sessions?status=deleted'), 400, 'invalid_argument');
    expectError(await t.api.get('/v1/sessions?cursor=garbage'), 400, 'invalid_argument');
  });

  it('gets, patches (merge patch on meta) and emits session.updated', async () => {
    const session = await t.api.createSession({ meta: { keep: 1, drop: 2, nested: { a: 1, b: 2 } } });
    expect((await t.api.get(`/v1/sessions/${session.id}`)).body.session).toEqual(session);
    const seen: Loose[] = [];
    const unsubscribe = t.pool.bus.subscribe((event) => seen.push(event), { types: ['session.updated'] });
    const patched = await t.api.call('PATCH', `/v1/sessions/${session.id}`, {
      body: { title: 'New', model: 'echo', meta: { drop: null, nested: { b: null, c: 3 }, added: true } },
    });
    unsubscribe();
    expect(patched.status).toBe(200);
    expect(patched.body.session).toMatchObject({
      title: 'New',
      model: 'echo',
      meta: { keep: 1, nested: { a: 1, c: 3 }, added: true },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ sessionId: session.id, data: { title: 'New', model: 'echo' } });
    const cleared = await t.api.call('PATCH', `/v1/sessions/${session.id}`, { body: { title: null, model: null } });
    expect(cleared.body.session).toMatchObject({ title: null, model: null });
    expectError(
      await t.api.call('PATCH', `/v1/sessions/${session.id}`, { body: { status: 'x' } }),
      400,
      'invalid_argument',
    );
    expectError(await t.api.get('/v1/sessions/ses_missing'), 404, 'not_found');
  });

  it('stops a running turn before closing, so the log never keeps an unended turn', async () => {
    const session = await t.api.createSession();
    const turn = t.api.post(`/v1/sessions/${session.id}/turns`, { input: '/sleep 5000 cut short' });
    await expect.poll(async () => (await t.api.get(`/v1/sessions/${session.id}`)).body.session.turnCount).toBe(1);
    expect((await t.api.call('DELETE', `/v1/sessions/${session.id}`)).body).toEqual({ ok: true, alreadyClosed: false });
    const answer = await turn;
    expect(answer.body.turn.stopReason).toBe('aborted');
    const events = (await t.api.get(`/v1/sessions/${session.id}/events`)).body.events as Loose[];
    expect(events.map((event) => event.type)).toEqual(['turn-start', 'input', 'turn-end']);
  });

  it('closes softly and idempotently, deletes hard, archives', async () => {
    const session = await t.api.createSession();
    expect((await t.api.call('DELETE', `/v1/sessions/${session.id}`)).body).toEqual({ ok: true, alreadyClosed: false });
    expect((await t.api.call('DELETE', `/v1/sessions/${session.id}`)).body).toEqual({ ok: true, alreadyClosed: true });
    const closed = (await t.api.get(`/v1/sessions/${session.id}`)).body.session;
    expect(closed.status).toBe('closed');
    expect(closed.closedAt).toEqual(expect.any(String));
    expectError(await t.api.post(`/v1/sessions/${session.id}/turns`, { input: 'hi' }), 410, 'session_closed');
    const hard = await t.api.call('DELETE', `/v1/sessions/${session.id}?hard=true`);
    expect(hard).toMatchObject({ status: 200, body: { ok: true, deleted: true } });
    expectError(await t.api.get(`/v1/sessions/${session.id}`), 404, 'not_found');
    const other = await t.api.createSession();
    const archived = await t.api.post(`/v1/sessions/${other.id}/archive`);
    expect(archived.status).toBe(200);
    expect(archived.body.session.status).toBe('archived');
    expectError(await t.api.post(`/v1/sessions/${other.id}/turns`, { input: 'hi' }), 412, 'failed_precondition');
  });
});
