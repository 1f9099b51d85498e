import { defineAgent, tool } from 'confab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventually, type Loose, sleep, startTestServer, type TestServer } from './test-support/harness.js';
import { SseReader } from './test-support/sse-reader.js';

let t: TestServer;
let executed: Loose[] = [];

beforeAll(async () => {
  // Sessions with agent "guarded" get a server tool that needs approval; others the plain echo agent.
  t = await startTestServer({
    pool: {
      factory: (session, model) =>
        session.agent === 'guarded'
          ? defineAgent({
              model,
              tools: {
                deploy: tool({
                  inputSchema: z.object({ target: z.string() }),
                  approval: 'always',
                  execute: (input) => {
                    executed.push(input);
                    return { deployed: input.target };
                  },
                }),
              },
            })
          : defineAgent({ model }),
    },
  });
});
afterAll(() => t.close());

const types = (events: Loose[]) => events.map((event) => event.type);

describe('idempotency', () => {
  it('replays a retried turn with the same Idempotency-Key: one turn only', async () => {
    const session = await t.api.createSession();
    const headers = { 'idempotency-key': 'turn-key-1' };
    const first = await t.api.turn(session.id, 'only once', headers);
    const retry = await t.api.turn(session.id, 'only once', headers);
    expect(retry).toEqual({ ...first, durationMs: retry.durationMs });
    const concurrent = await Promise.all([
      t.api.turn(session.id, 'twice at once', { 'idempotency-key': 'turn-key-2' }),
      t.api.turn(session.id, 'twice at once', { 'idempotency-key': 'turn-key-2' }),
    ]);
    expect(concurrent[0].index).toBe(2);
    expect(concurrent[1].index).toBe(2);
    expect(concurrent[1].inputIds).toEqual(concurrent[0].inputIds);
    expect((await t.api.get(`/v1/sessions/${session.id}`)).body.session.turnCount).toBe(2);
    const sse = await t.api.fetch('POST', `/v1/sessions/${session.id}/turns`, {
      body: { input: 'only once' },
      headers: { ...headers, accept: 'text/event-stream' },
    });
    const frames = await new SseReader(sse).rest();
    expect(frames.map((frame) => frame.data.seq)).toEqual(first.events.map((event: Loose) => event.seq));
  });

  it('replays a retried turn up to its turn-end, without what later turns wrote under its index', async () => {
    const session = await t.api.createSession({ tools: [{ name: 'pick_color', inputSchema: { type: 'object' } }] });
    const headers = { 'idempotency-key': 'superseded-key' };
    const first = await t.api.turn(session.id, '/tool pick_color {}', headers);
    expect(first.stopReason).toBe('interrupted');
    // The next turn closes the pending call with an error result that carries the first turn's index.
    await t.api.turn(session.id, 'moving on');
    const log = (await t.api.get(`/v1/sessions/${session.id}/events`)).body.events as Loose[];
    expect(log.some((event) => event.turn === first.index && event.seq > first.events.at(-1).seq)).toBe(true);
    const retry = await t.api.turn(session.id, '/tool pick_color {}', headers);
    expect(retry).toEqual({ ...first, durationMs: retry.durationMs });
    const sse = await t.api.fetch('POST', `/v1/sessions/${session.id}/turns`, {
      body: { input: '/tool pick_color {}' },
      headers: { ...headers, accept: 'text/event-stream' },
    });
    const frames = await new SseReader(sse).rest();
    expect(frames.at(-1)?.data.type).toBe('turn-end');
  });

  it('returns the same input for a retried input, and creates and closes idempotently', async () => {
    const session = await t.api.createSession({ clientSessionId: 'idem-session' });
    expect((await t.api.post('/v1/sessions', { clientSessionId: 'idem-session' })).body.session.id).toBe(session.id);
    const headers = { 'idempotency-key': 'input-key' };
    const first = await t.api.post(`/v1/sessions/${session.id}/inputs`, { input: 'queued once' }, { headers });
    const second = await t.api.post(`/v1/sessions/${session.id}/inputs`, { input: 'queued once' }, { headers });
    expect(second.body.inputId).toBe(first.body.inputId);
    await eventually(async () => (await t.api.get(`/v1/sessions/${session.id}`)).body.session.turnCount === 1);
    await sleep(100);
    const events = (await t.api.get(`/v1/sessions/${session.id}/events`)).body.events;
    expect(events.filter((event: Loose) => event.type === 'input')).toHaveLength(1);
    expect((await t.api.call('DELETE', `/v1/sessions/${session.id}`)).body.alreadyClosed).toBe(false);
    expect((await t.api.call('DELETE', `/v1/sessions/${session.id}`)).body.alreadyClosed).toBe(true);
  });
});

describe('idempotency mismatch', () => {
  it('refuses an Idempotency-Key reused with another input (422 idempotency_mismatch); nothing is dropped silently', async () => {
    const session = await t.api.createSession();
    const headers = { 'idempotency-key': 'reused-key' };
    const first = await t.api.turn(session.id, 'the first', headers);
    const other = await t.api.post(`/v1/sessions/${session.id}/turns`, { input: 'a different one' }, { headers });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_mismatch');
    const asInput = await t.api.post(`/v1/sessions/${session.id}/inputs`, { input: 'different again' }, { headers });
    expect([asInput.status, asInput.body.error.code]).toEqual([422, 'idempotency_mismatch']);
    // The same request is still a retry.
    expect((await t.api.turn(session.id, 'the first', headers)).inputIds).toEqual(first.inputIds);

    const queuedHeaders = { 'idempotency-key': 'queued-key' };
    expect(
      (await t.api.post(`/v1/sessions/${session.id}/inputs`, { input: 'q1' }, { headers: queuedHeaders })).status,
    ).toBe(202);
    const changed = await t.api.post(`/v1/sessions/${session.id}/inputs`, { input: 'q2' }, { headers: queuedHeaders });
    expect([changed.status, changed.body.error.code]).toEqual([422, 'idempotency_mismatch']);
    const files = await t.api.call('POST', '/v1/files', { raw: new Uint8Array([1, 2, 3]) });
    const withFile = await t.api.post(
      `/v1/sessions/${session.id}/inputs`,
      { input: 'q1', files: [files.body.fileToken] },
      { headers: queuedHeaders },
    );
    expect([withFile.status, withFile.body.error.code]).toEqual([422, 'idempotency_mismatch']);
  });
});

describe('batching', () => {
  it('combines a burst of inputs into fewer turns, consuming each exactly once', async () => {
    const session = await t.api.createSession();
    const blocker = t.api.turn(session.id, '/sleep 300 hold on');
    await sleep(50);
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        t.api.post(`/v1/sessions/${session.id}/inputs`, { input: `burst ${index}` }),
      ),
    );
    expect(burst.every((answer) => answer.status === 202)).toBe(true);
    await blocker;
    const ids = burst.map((answer) => answer.body.inputId);
    const events = await eventually(async () => {
      const page = (await t.api.get(`/v1/sessions/${session.id}/events?limit=1000`)).body.events as Loose[];
      const ends = page.filter((event) => event.type === 'turn-end');
      const counted = ends.reduce((sum, event) => sum + event.data.inputCount, 0);
      return counted === 13 ? page : null;
    });
    const ends = events.filter((event) => event.type === 'turn-end');
    expect(ends.length).toBeLessThan(13);
    const consumed = events.filter((event) => event.type === 'input').map((event) => event.data.inputId);
    expect(consumed).toHaveLength(13);
    expect(new Set(consumed).size).toBe(13);
    for (const id of ids) expect(consumed).toContain(id);
  });
});

describe('interrupts', () => {
  it('round-trips a client-side tool through /resume, continuing the same turn', async () => {
    const session = await t.api.createSession({
      tools: [{ name: 'pick_color', inputSchema: { type: 'object', properties: { hint: { type: 'string' } } } }],
    });
    const first = await t.api.turn(session.id, '/tool pick_color {"hint":"warm"}');
    expect(first.stopReason).toBe('interrupted');
    const call = first.events.find((event: Loose) => event.type === 'tool-call');
    expect(call.data).toMatchObject({ toolName: 'pick_color', executor: 'client', input: { hint: 'warm' } });
    const wrong = await t.api.post(`/v1/sessions/${session.id}/resume`, {
      toolResults: [{ toolCallId: 'nope', output: 1 }],
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('invalid_argument');
    const resumed = await t.api.post(`/v1/sessions/${session.id}/resume`, {
      toolResults: [{ toolCallId: call.data.toolCallId, output: { color: 'red' } }],
    });
    expect(resumed.status).toBe(200);
    const turn = resumed.body.turn;
    expect(turn.index).toBe(1);
    expect(turn.stopReason).toBe('stop');
    expect(types(turn.events)).toEqual([
      'turn-start',
      'input',
      'tool-call',
      'turn-end',
      'tool-result',
      'message',
      'turn-end',
    ]);
    expect(turn.events.find((event: Loose) => event.type === 'tool-result').data.output).toEqual({ color: 'red' });
    expect(turn.events.at(-2).data.text).toBe('echo: {"color":"red"}');
    expect((await t.api.get(`/v1/sessions/${session.id}`)).body.session.turnCount).toBe(1);
    const again = await t.api.post(`/v1/sessions/${session.id}/resume`, {
      toolResults: [{ toolCallId: call.data.toolCallId, output: {} }],
    });
    expect(again.status).toBe(412);
  });

  it('round-trips an approval; a streamed resume streams from the resume on', async () => {
    executed = [];
    const session = await t.api.createSession({ agent: 'guarded' });
    const first = await t.api.turn(session.id, '/tool deploy {"target":"prod"}');
    expect(first.stopReason).toBe('interrupted');
    expect(types(first.events)).toContain('tool-approval-request');
    expect(executed).toEqual([]);
    const request = first.events.find((event: Loose) => event.type === 'tool-approval-request');
    const wrongKind = await t.api.post(`/v1/sessions/${session.id}/resume`, {
      toolResults: [{ toolCallId: request.data.toolCallId, output: 1 }],
    });
    expect(wrongKind.status).toBe(400);
    const response = await t.api.fetch('POST', `/v1/sessions/${session.id}/resume`, {
      body: { approvals: [{ toolCallId: request.data.toolCallId, approved: true }] },
      headers: { accept: 'text/event-stream' },
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const frames = await new SseReader(response).rest();
    const persisted = frames.filter((frame) => !frame.id?.includes('.'));
    expect(persisted.map((frame) => frame.event)).toEqual(['tool-approval', 'tool-result', 'message', 'turn-end']);
    expect(persisted[1]?.data.data.output).toEqual({ deployed: 'prod' });
    expect(persisted.at(-1)?.data.data.stopReason).toBe('stop');
    expect(executed).toEqual([{ target: 'prod' }]);
  });
});

describe('stop and disconnects', () => {
  it('stops a running turn: the turn ends aborted', async () => {
    const session = await t.api.createSession();
    const response = await t.api.fetch('POST', `/v1/sessions/${session.id}/turns`, {
      body: { input: '/sleep 10000 never' },
      headers: { accept: 'text/event-stream' },
    });
    const reader = new SseReader(response);
    await reader.until((frame) => frame.event === 'input');
    const stop = await t.api.post(`/v1/sessions/${session.id}/stop`);
    expect(stop.body).toEqual({ ok: true, stopped: true });
    const rest = await reader.rest();
    expect(rest.at(-1)?.data.data.stopReason).toBe('aborted');
    await reader.done;
  });

  it('lets a turn finish when its client disconnects', async () => {
    const session = await t.api.createSession();
    const controller = new AbortController();
    const response = await t.api.fetch('POST', `/v1/sessions/${session.id}/turns`, {
      body: { input: '/sleep 300 still here' },
      headers: { accept: 'text/event-stream' },
      signal: controller.signal,
    });
    const reader = new SseReader(response);
    await reader.until((frame) => frame.event === 'input');
    controller.abort();
    const events = await eventually(async () => {
      const page = (await t.api.get(`/v1/sessions/${session.id}/events`)).body.events as Loose[];
      return page.some((event) => event.type === 'turn-end') ? page : null;
    });
    expect(events.find((event) => event.type === 'message')?.data.text).toBe('echo: still here');
    expect(events.at(-1)?.data.stopReason).toBe('stop');
  });

  it('uses the turn model over the session model', async () => {
    const session = await t.api.createSession({ model: 'echo' });
    expect(session.model).toBe('echo');
    const bad = await t.api.post(`/v1/sessions/${session.id}/turns`, { input: 'x', model: 'has space' });
    expect(bad.status).toBe(400);
    const unknown = await t.api.post(`/v1/sessions/${session.id}/turns`, { input: 'x', model: 'nope:x' });
    expect(unknown.status).toBe(400);
    expect((await t.api.post('/v1/sessions', { model: 'nope:x' })).status).toBe(400);
    expect((await t.api.get(`/v1/sessions/${session.id}/events`)).body.events).toEqual([]);
    const turn = await t.api.turn(session.id, 'hello');
    expect(turn.events[0].data.model).toBe('echo');
  });
});
