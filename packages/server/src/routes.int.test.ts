import {
  CompactResponseSchema,
  EventPageResponseSchema,
  MessagesResponseSchema,
  ResolveChannelResponseSchema,
  SnapshotsResponseSchema,
  TurnResponseSchema,
} from 'confab/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectWire } from './test-support/expectations.js';
import { type Loose, startTestServer, type TestServer } from './test-support/harness.js';

let t: TestServer;

beforeAll(async () => {
  // keepTail 1 makes a manual compaction possible after a few turns.
  t = await startTestServer({ pool: { compaction: { keepTail: 1 } } });
});
afterAll(() => t.close());

describe('turns and reading', () => {
  it('answers a turn as { turn } and derives the title', async () => {
    const session = await t.api.createSession();
    const answer = await t.api.post(`/v1/sessions/${session.id}/turns`, { input: 'hello there', model: 'echo' });
    expect(answer.status).toBe(200);
    const turn = answer.body.turn;
    expectWire(TurnResponseSchema, answer.body);
    expect(Object.keys(turn).sort()).toEqual(
      ['durationMs', 'events', 'index', 'inputCount', 'inputIds', 'snapshotId', 'stopReason', 'usage'].sort(),
    );
    expect(turn).toMatchObject({ index: 1, inputCount: 1, stopReason: 'stop', snapshotId: expect.any(String) });
    expect(turn.events.map((event: Loose) => event.type)).toEqual(['turn-start', 'input', 'message', 'turn-end']);
    expect(turn.events[0].data.model).toBe('echo');
    expect(turn.events[2].data.text).toBe('echo: hello there');
    const after = (await t.api.get(`/v1/sessions/${session.id}`)).body.session;
    expect(after).toMatchObject({ turnCount: 1, title: 'hello there', lastTurnAt: expect.any(String) });
  });

  it('queues inputs (202), stops (nothing running) and refuses a resume with nothing pending (412)', async () => {
    const session = await t.api.createSession();
    const queued = await t.api.post(`/v1/sessions/${session.id}/inputs`, { input: 'later' });
    expect(queued.status).toBe(202);
    expect(queued.body).toEqual({ inputId: expect.any(String) });
    const stop = await t.api.post(`/v1/sessions/${session.id}/stop`);
    expect(stop).toMatchObject({ status: 200, body: { ok: true, stopped: expect.any(Boolean) } });
    await expect.poll(async () => (await t.api.get(`/v1/sessions/${session.id}`)).body.session.turnCount).toBe(1);
    const resume = await t.api.post(`/v1/sessions/${session.id}/resume`, {
      toolResults: [{ toolCallId: 'x', output: 1 }],
    });
    expectError(resume, 412, 'failed_precondition');
  });

  it('pages events, messages and snapshots', async () => {
    const session = await t.api.createSession();
    await t.api.turn(session.id, 'one');
    await t.api.turn(session.id, 'two');
    const page = await t.api.get(`/v1/sessions/${session.id}/events?limit=3`);
    expect(page.body.events.map((event: Loose) => event.seq)).toEqual([1, 2, 3]);
    expect(page.body.nextAfter).toBe(3);
    const rest = await t.api.get(`/v1/sessions/${session.id}/events?after=3&limit=5000`);
    expect(rest.body.events.map((event: Loose) => event.seq)).toEqual([4, 5, 6, 7, 8]);
    expect(rest.body.nextAfter).toBeNull();
    expectWire(EventPageResponseSchema, rest.body);
    expect(Object.keys(rest.body.events[0]).sort()).toEqual(['at', 'data', 'seq', 'sessionId', 'turn', 'type']);
    expectError(await t.api.get(`/v1/sessions/${session.id}/events?after=-1`), 400, 'invalid_argument');

    const messages = await t.api.get(`/v1/sessions/${session.id}/messages`);
    expect(messages.body).toEqual({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'one' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'echo: one' }] },
        { role: 'user', content: [{ type: 'text', text: 'two' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'echo: two' }] },
      ],
      summary: null,
      nextCursor: null,
    });
    expectWire(MessagesResponseSchema, messages.body);
    const first = await t.api.get(`/v1/sessions/${session.id}/messages?limit=3`);
    expect(first.body.messages).toHaveLength(3);
    const second = await t.api.get(`/v1/sessions/${session.id}/messages?limit=3&cursor=${first.body.nextCursor}`);
    expect(second.body.messages).toEqual([{ role: 'assistant', content: [{ type: 'text', text: 'echo: two' }] }]);
    expect(second.body.nextCursor).toBeNull();

    const snapshots = await t.api.get(`/v1/sessions/${session.id}/snapshots`);
    expect(snapshots.body.snapshots).toHaveLength(2);
    expectWire(SnapshotsResponseSchema, snapshots.body);
    expect(Object.keys(snapshots.body.snapshots[0]).sort()).toEqual(
      ['createdAt', 'id', 'parentSnapshotId', 'seq', 'sessionId', 'stateVersion', 'turn'].sort(),
    );
    expect(snapshots.body.snapshots[1].parentSnapshotId).toBe(snapshots.body.snapshots[0].id);
  });

  it('forks the latest or a given snapshot (201) and compacts (200)', async () => {
    const session = await t.api.createSession();
    const first = await t.api.turn(session.id, 'alpha');
    await t.api.turn(session.id, 'beta');
    const latest = await t.api.post(`/v1/sessions/${session.id}/fork`);
    expect(latest.status).toBe(201);
    expect(latest.body.session.parent).toMatchObject({ sessionId: session.id, seq: 8 });
    const early = await t.api.post(`/v1/sessions/${session.id}/fork`, { snapshotId: first.snapshotId });
    expect(early.body.session.parent).toEqual({ sessionId: session.id, seq: 4, snapshotId: first.snapshotId });
    const inherited = await t.api.get(`/v1/sessions/${early.body.session.id}/events`);
    expect(inherited.body.events).toHaveLength(4);
    expect(inherited.body.events.every((event: Loose) => event.sessionId === early.body.session.id)).toBe(true);
    expectError(await t.api.post(`/v1/sessions/${session.id}/fork`, { snapshotId: 'snap_nope' }), 404, 'not_found');

    const fresh = await t.api.createSession();
    expect((await t.api.post(`/v1/sessions/${fresh.id}/compact`)).body).toEqual({
      compacted: false,
      summary: null,
      throughSeq: null,
    });
    await t.api.turn(session.id, 'gamma');
    const compacted = await t.api.post(`/v1/sessions/${session.id}/compact`);
    expect(compacted.status).toBe(200);
    expect(compacted.body).toEqual({ compacted: true, summary: expect.any(String), throughSeq: expect.any(Number) });
    expectWire(CompactResponseSchema, compacted.body);
    const messages = await t.api.get(`/v1/sessions/${session.id}/messages`);
    expect(messages.body.summary).toBe(compacted.body.summary);
    expect(messages.body.messages.length).toBeGreaterThan(0);
  });
});

describe('channels, files and the rest', () => {
  it('resolves and rotates channels (200)', async () => {
    const resolved = await t.api.post('/v1/channels/dm-42/resolve', { model: 'echo' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ created: true, session: { channel: 'dm-42', model: 'echo' } });
    expectWire(ResolveChannelResponseSchema, resolved.body);
    const again = await t.api.post('/v1/channels/dm-42/resolve');
    expect(again.body).toMatchObject({ created: false, session: { id: resolved.body.session.id } });
    const rotated = await t.api.post('/v1/channels/dm-42/rotate');
    expect(rotated.status).toBe(200);
    expect(rotated.body.archivedSessionId).toBe(resolved.body.session.id);
    expect(rotated.body.session).toMatchObject({ channel: 'dm-42', status: 'active', model: 'echo' });
    const fresh = await t.api.post('/v1/channels/new-room/rotate');
    expect(fresh.body).toMatchObject({ archivedSessionId: null, session: { channel: 'new-room' } });
  });

  it('uploads files (raw and multipart) and uses them in turns; bad tokens are 400', async () => {
    const raw = await t.api.call('POST', '/v1/files?ttlSeconds=120&name=a.txt', {
      raw: 'hello file',
      headers: { 'content-type': 'text/plain' },
    });
    expect(raw.status).toBe(201);
    expect(raw.body).toEqual({ fileToken: expect.any(String), expiresAt: expect.any(String), size: 10 });
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' }), 'dot.png');
    const multipart = await t.api.call('POST', '/v1/files', { raw: form });
    expect(multipart.status).toBe(201);
    expect(multipart.body.size).toBe(3);
    expectError(await t.api.call('POST', '/v1/files?ttlSeconds=10', { raw: 'x' }), 400, 'invalid_argument');
    expectError(await t.api.call('POST', '/v1/files?ttlSeconds=86401', { raw: 'x' }), 400, 'invalid_argument');

    const session = await t.api.createSession();
    const files = [raw.body.fileToken, multipart.body.fileToken];
    const turn = await t.api.post(`/v1/sessions/${session.id}/turns`, { input: 'see files', files });
    expect(turn.status).toBe(200);
    expect(turn.body.turn.events[1].data.files).toEqual(files);
    const bad = await t.api.post(`/v1/sessions/${session.id}/turns`, { input: 'x', files: ['file_unknown'] });
    expectError(bad, 400, 'invalid_argument');
    const badInput = await t.api.post(`/v1/sessions/${session.id}/inputs`, { input: 'x', files: ['file_unknown'] });
    expectError(badInput, 400, 'invalid_argument');
  });

  it('serves openapi.json, healthz and metrics; unknown routes 404, wrong methods 405', async () => {
    const openapi = await t.api.get('/v1/openapi.json');
    expect(openapi.status).toBe(200);
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(openapi.body.servers).toEqual([{ url: '/' }]);
    expect(Object.keys(openapi.body.paths)).toContain('/v1/sessions/{id}/turns');
    expect(openapi.body.components.schemas.Session.required).toContain('turnCount');
    const refs = [...JSON.stringify(openapi.body).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(openapi.body.components.schemas).toHaveProperty(ref as string);
    expectError(await t.api.get('/v1/openapi.json', { token: null }), 401, 'unauthenticated');

    const health = await t.api.get('/healthz', { token: null });
    expect(health).toMatchObject({ status: 200, body: { ok: true, version: expect.any(String), store: 'sqlite' } });
    const metrics = await t.api.get('/metrics', { token: null });
    expect(metrics.status).toBe(200);
    for (const name of [
      'confab_turns_total',
      'confab_turn_duration_seconds',
      'confab_events_appended_total',
      'confab_store_operation_duration_seconds',
      'confab_open_streams',
      'confab_queued_inputs',
    ]) {
      expect(metrics.body).toContain(name);
    }

    expectError(await t.api.get('/v1/nothing-here'), 404, 'not_found');
    expectError(await t.api.get('/nothing'), 404, 'not_found');
    const wrong = await t.api.call('PUT', '/v1/sessions');
    expectError(wrong, 405, 'method_not_allowed');
    expect(wrong.headers.get('allow')).toContain('POST');
    expectError(await t.api.call('POST', '/v1/sessions/ses_x/events'), 405, 'method_not_allowed');
    // Found by the tenant probe (issue 15): patterns matched only at the end of the path.
    expectError(await t.api.get('/x/healthz', { token: null }), 404, 'not_found');
    expectError(await t.api.get('//v1/sessions'), 404, 'not_found');
    expectError(await t.api.call('DELETE', '/x/v1/sessions/ses_x/events'), 404, 'not_found');
  });

  it('counts the events a /turns request appends (found on SQLite, whose turns commit folded)', async () => {
    const appended = async () => {
      const text = (await t.api.get('/metrics', { token: null })).body as string;
      return Number(/^confab_events_appended_total (\d+)/m.exec(text)?.[1]);
    };
    const session = await t.api.createSession();
    const before = await appended();
    const turn = await t.api.turn(session.id, 'counted');
    expect(await appended()).toBe(before + turn.events.length);
  });

  it('documents 400 and 413 on every operation with a body (found by the fuzzer), and 503 on every one', async () => {
    const document = (await t.api.get('/v1/openapi.json')).body;
    for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, Loose>>)) {
      for (const [method, operation] of Object.entries(methods)) {
        // Every route answers 503 while the server drains or its store is unreachable.
        expect([`${method} ${path}`, Object.keys(operation.responses)]).toEqual([
          `${method} ${path}`,
          expect.arrayContaining(operation.requestBody ? ['400', '413', '503'] : ['503']),
        ]);
      }
    }
    const session = await t.api.createSession();
    await t.api.turn(session.id, 'to fork');
    const huge = JSON.stringify({ snapshotId: 'x'.repeat(1024 * 1024) });
    expectError(await t.api.call('POST', `/v1/sessions/${session.id}/fork`, { raw: huge }), 413, 'payload_too_large');
    expectError(await t.api.call('POST', '/v1/channels/room/resolve', { raw: huge }), 413, 'payload_too_large');
  });

  it('accepts only Authorization: Bearer <token> and keeps a given X-Request-Id', async () => {
    const session = await t.api.createSession();
    const path = `/v1/sessions/${session.id}`;
    expectError(await t.api.get(path, { token: null }), 401, 'unauthenticated');
    expectError(await t.api.get(path, { headers: { authorization: t.tokens.a } }), 401, 'unauthenticated');
    expectError(await t.api.get(path, { headers: { authorization: `Basic ${t.tokens.a}` } }), 401, 'unauthenticated');
    expectError(await t.api.get(path, { headers: { authorization: `Bearer ${t.tokens.a}x` } }), 401, 'unauthenticated');
    expect((await t.api.get(path, { headers: { authorization: `bearer ${t.tokens.a}` } })).status).toBe(200);
    const traced = await t.api.get(path, { headers: { 'x-request-id': 'trace-123' } });
    expect(traced.headers.get('x-request-id')).toBe('trace-123');
    const fresh = await t.api.get(path);
    expect(fresh.headers.get('x-request-id')).toMatch(/^req_/);
  });
});
