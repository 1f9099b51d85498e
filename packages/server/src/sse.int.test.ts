import { getEventListeners } from 'node:events';
import { createModelResolver } from 'confab';
import { createEchoModel } from 'confab/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseStream } from './sse.js';
import { type Loose, sleep, startTestServer, type TestServer } from './test-support/harness.js';
import { type Frame, SseReader } from './test-support/sse-reader.js';

let t: TestServer;

beforeAll(async () => {
  // `slow:<any>` streams one character every few milliseconds, so a client can drop mid-turn.
  t = await startTestServer({
    pool: {
      resolveModel: createModelResolver({ providers: { slow: () => createEchoModel({ chunkSize: 1, delayMs: 3 }) } }),
    },
  });
});
afterAll(() => t.close());

const eventStream = { accept: 'text/event-stream' };

/** (seq, sub) of a frame id, for ordering. */
function position(frame: Frame): [number, number] {
  const [seq, sub = '0'] = (frame.id ?? '').split('.');
  return [Number(seq), Number(sub)];
}

function expectStrictlyIncreasing(frames: Frame[]): void {
  for (let index = 1; index < frames.length; index++) {
    const [seq, sub] = position(frames[index]!);
    const [previousSeq, previousSub] = position(frames[index - 1]!);
    expect(seq > previousSeq || (seq === previousSeq && sub > previousSub)).toBe(true);
  }
}

describe('SSE framing', () => {
  it('frames persisted events as id: seq and deltas as id: seq.sub, with the whole event as data', async () => {
    const session = await t.api.createSession();
    const response = await t.api.fetch('POST', `/v1/sessions/${session.id}/turns`, {
      body: { input: 'frame me please' },
      headers: eventStream,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const text = await response.text();
    expect(text).toMatch(/^id: 1\nevent: turn-start\ndata: \{"seq":1,/m);
    expect(text).toMatch(/^id: 2\.1\nevent: text-delta\ndata: \{"seq":2,"sub":1,/m);
    const frames = [...text.matchAll(/^id: (.+)\nevent: (.+)\ndata: (.+)$/gm)].map((match) => ({
      id: match[1],
      event: match[2],
      data: JSON.parse(match[3]!),
    }));
    for (const frame of frames) {
      expect(frame.data.type).toBe(frame.event);
      expect(frame.id).toBe('sub' in frame.data ? `${frame.data.seq}.${frame.data.sub}` : String(frame.data.seq));
    }
    expect(frames.at(-1)?.event).toBe('turn-end');
  });

  it('sends heartbeat comments on a quiet tail', async () => {
    const session = await t.api.createSession();
    const controller = new AbortController();
    const reader = new SseReader(
      await t.api.fetch('GET', `/v1/sessions/${session.id}/events`, {
        headers: eventStream,
        signal: controller.signal,
      }),
    );
    await sleep(1150);
    expect(reader.comments).toBeGreaterThanOrEqual(2);
    controller.abort();
  });

  it('replays from after, and Last-Event-ID wins over after', async () => {
    const session = await t.api.createSession();
    await t.api.turn(session.id, 'one');
    const controller = new AbortController();
    const fromAfter = new SseReader(
      await t.api.fetch('GET', `/v1/sessions/${session.id}/events?after=2`, {
        headers: eventStream,
        signal: controller.signal,
      }),
    );
    expect((await fromAfter.until((frame) => frame.event === 'turn-end')).map((frame) => frame.id)).toEqual(['3', '4']);
    const fromHeader = new SseReader(
      await t.api.fetch('GET', `/v1/sessions/${session.id}/events?after=1`, {
        headers: { ...eventStream, 'last-event-id': '3' },
        signal: controller.signal,
      }),
    );
    expect((await fromHeader.next())?.id).toBe('4');
    controller.abort();
    const bad = await t.api.get(`/v1/sessions/${session.id}/events`, {
      headers: { ...eventStream, 'last-event-id': 'x' },
    });
    expect(bad.status).toBe(400);
  });
});

describe('resuming a dropped stream', () => {
  it('delivers every event exactly once, in order, across a drop during the turn', async () => {
    const session = await t.api.createSession();
    const text = 'a fairly long answer that streams one character at a time';
    const turn = t.api.post(`/v1/sessions/${session.id}/turns`, { input: text, model: 'slow:x' });
    const first = new AbortController();
    const reader = new SseReader(
      await t.api.fetch('GET', `/v1/sessions/${session.id}/events`, { headers: eventStream, signal: first.signal }),
    );
    const before = await reader.until((frame) => frame.event === 'text-delta' && frame.data.sub === 10);
    first.abort();
    await reader.done;
    const lastId = before.at(-1)?.id as string;
    expect(lastId).toMatch(/^\d+\.10$/);

    const second = new AbortController();
    const resumed = new SseReader(
      await t.api.fetch('GET', `/v1/sessions/${session.id}/events`, {
        headers: { ...eventStream, 'last-event-id': lastId },
        signal: second.signal,
      }),
    );
    const after = await resumed.until((frame) => frame.event === 'turn-end');
    second.abort();
    const all = [...before, ...after];
    expectStrictlyIncreasing(all);
    const persisted = all.filter((frame) => !frame.id?.includes('.'));
    expect(persisted.map((frame) => frame.data.seq)).toEqual(persisted.map((_, index) => index + 1));
    const deltas = all.filter((frame) => frame.event === 'text-delta').map((frame) => frame.data.data.delta);
    const message = persisted.find((frame) => frame.event === 'message');
    expect(deltas.join('')).toBe(message?.data.data.text);
    expect(message?.data.data.text).toBe(`echo: ${text}`);
    const answer = await turn;
    expect(answer.body.turn.events.map((event: Loose) => event.seq)).toEqual(persisted.map((frame) => frame.data.seq));
  });

  it('after the turn: persisted events after the id, exactly once, then a live tail', async () => {
    const session = await t.api.createSession();
    await t.api.turn(session.id, 'first turn');
    const controller = new AbortController();
    const reader = new SseReader(
      await t.api.fetch('GET', `/v1/sessions/${session.id}/events`, {
        headers: { ...eventStream, 'last-event-id': '2.3' },
        signal: controller.signal,
      }),
    );
    const replay = await reader.until((frame) => frame.event === 'turn-end');
    expect(replay.map((frame) => frame.id)).toEqual(['3', '4']);
    const live = t.api.turn(session.id, 'second turn');
    const tail = await reader.until((frame) => frame.event === 'turn-end');
    await live;
    controller.abort();
    expectStrictlyIncreasing([...replay, ...tail]);
    expect(tail.filter((frame) => !frame.id?.includes('.')).map((frame) => frame.id)).toEqual(['5', '6', '7', '8']);
  });
});

describe('stream teardown', () => {
  it('leaves no listener on the server-wide shutdown signal once a client left', async () => {
    // Found by reliability/stream-resume: every ended tail kept its listener (and the stream)
    // on the shutdown signal, which lives as long as the server.
    const shutdown = new AbortController();
    for (let index = 0; index < 20; index++) {
      const client = new AbortController();
      const stream = new SseStream({
        heartbeatMs: 1000,
        requestSignal: client.signal,
        shutdownSignal: shutdown.signal,
        requestId: `req_${index}`,
        logger: pino({ level: 'silent' }),
      });
      const response = stream.respond(
        (_send, signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())),
      );
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      client.abort();
      expect(stream.signal.aborted).toBe(true);
    }
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  });
});

describe('lifecycle stream', () => {
  it('frames id, event type and { type, sessionId, clientSessionId, appId, at, data }', async () => {
    const controller = new AbortController();
    const reader = new SseReader(await t.api.fetch('GET', '/v1/lifecycle', { signal: controller.signal }));
    expect(reader.response.headers.get('content-type')).toBe('text/event-stream');
    const session = await t.api.createSession({ clientSessionId: 'life-1' });
    const [created] = await reader.until(() => true);
    controller.abort();
    expect(created?.event).toBe('session.created');
    expect(created?.id).toEqual(expect.any(String));
    expect(created?.data).toEqual({
      type: 'session.created',
      sessionId: session.id,
      clientSessionId: 'life-1',
      appId: 'app-a',
      at: expect.any(String),
      data: expect.any(Object),
    });
  });
});

describe('a long-lived tail', () => {
  it('still gets deltas after its session sat idle longer than the pool keeps idle runners', async () => {
    const idle = await startTestServer({ pool: { idleTimeoutMs: 1200, reaperIntervalMs: 20 } });
    try {
      const session = await idle.api.createSession();
      const controller = new AbortController();
      const reader = new SseReader(
        await idle.api.fetch('GET', `/v1/sessions/${session.id}/events`, {
          headers: eventStream,
          signal: controller.signal,
        }),
      );
      await sleep(1800);
      await idle.api.turn(session.id, 'a text long enough for several deltas');
      const frames = await reader.until((frame) => frame.event === 'turn-end');
      controller.abort();
      expect(frames.filter((frame) => frame.event === 'text-delta').length).toBeGreaterThan(1);
    } finally {
      await idle.close();
    }
  });
});
