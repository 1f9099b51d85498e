import { describe, expect, it } from 'vitest';
import { ConfabClient } from './client.js';
import { NotFoundError, SessionClosedError, TransportError } from './errors.js';
import { eventFrame, fakeFetch, type RecordedRequest, scriptedTurn, sseResponse } from './test-support/fake-fetch.js';
import type { StreamEvent } from './types.js';

const retry = { attempts: 3, initialDelayMs: 1, maxDelayMs: 2 };

/** Serves `GET …/events` from the scripted log, honouring `Last-Event-ID` like the server. */
function replayFrom(events: StreamEvent[], request: RecordedRequest, overlap = 0): Response {
  const lastId = request.headers.get('last-event-id');
  const [seq, sub] = (lastId ?? request.url.searchParams.get('after') ?? '0').split('.').map(Number);
  let index = events.findIndex((event) => {
    const eventSub = 'sub' in event ? event.sub : 0;
    return event.seq > (seq ?? 0) || (event.seq === seq && eventSub > (sub ?? 0));
  });
  if (index < 0) index = events.length;
  // A sloppy server that repeats a few events: the client must drop them.
  return sseResponse(
    events
      .slice(Math.max(0, index - overlap))
      .map(eventFrame)
      .join(''),
    { chunkSize: 7 },
  );
}

async function collect(iterable: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

describe('streamed turn reconnects', () => {
  it.each([10, 200, 333, 520])(
    're-attaches with Last-Event-ID after a cut at byte %i and delivers every event once, in order',
    async (cutAfterBytes) => {
      const turn = scriptedTurn();
      let cuts = 0;
      const fetchFunction = fakeFetch((request) => {
        if (request.method === 'POST') {
          return sseResponse(turn.text, { cutAfterBytes: cuts++ === 0 ? cutAfterBytes : undefined, chunkSize: 13 });
        }
        return replayFrom(turn.events, request, 2);
      });
      const client = new ConfabClient({ baseUrl: 'http://api.test', token: 't', fetch: fetchFunction, retry });
      const stream = client.session('ses_1').stream('hello there');
      const received = await collect(stream);
      expect(received).toEqual(turn.events);
      const result = await stream.result;
      expect(result.text()).toBe('echo: hello there');
      expect(result.events).toEqual(turn.persisted);
      const reattach = fetchFunction.requests.find((request) => request.method === 'GET');
      if (fetchFunction.requests[1]?.method === 'GET') {
        expect(reattach?.url.pathname).toBe('/v1/sessions/ses_1/events');
        expect(reattach?.headers.get('accept')).toBe('text/event-stream');
        expect(reattach?.headers.get('last-event-id')).toMatch(/^\d+(\.\d+)?$/);
      }
    },
  );

  it('repeats the POST with the same Idempotency-Key when nothing had arrived yet', async () => {
    const turn = scriptedTurn();
    const fetchFunction = fakeFetch((request) => {
      const posts = fetchFunction.requests.filter((candidate) => candidate.method === 'POST').length;
      if (request.method === 'POST' && posts === 1) return sseResponse(turn.text, { cutAfterBytes: 5 });
      return sseResponse(turn.text);
    });
    const client = new ConfabClient({ baseUrl: 'http://api.test', token: 't', fetch: fetchFunction, retry });
    expect(await collect(client.session('ses_1').stream('hello there'))).toEqual(turn.events);
    const keys = fetchFunction.requests.map((request) => request.headers.get('idempotency-key'));
    expect(fetchFunction.requests.map((request) => request.method)).toEqual(['POST', 'POST']);
    expect(keys[0]).toBeTruthy();
    expect(keys[1]).toBe(keys[0]);
  });

  it('gives up after the configured attempts of reconnects that deliver nothing', async () => {
    const turn = scriptedTurn();
    const fetchFunction = fakeFetch((request) =>
      request.method === 'POST'
        ? sseResponse(turn.text, { cutAfterBytes: 200 })
        : sseResponse('', { cutAfterBytes: 5 }),
    );
    const client = new ConfabClient({ baseUrl: 'http://api.test', token: 't', fetch: fetchFunction, retry });
    const stream = client.session('ses_1').stream('hello there');
    await expect(collect(stream)).rejects.toBeInstanceOf(TransportError);
    await expect(stream.result).rejects.toBeInstanceOf(TransportError);
    expect(fetchFunction.requests).toHaveLength(3);
  });

  it('goes on reconnecting while connections drop after a heartbeat, however many in a row', async () => {
    // Found by reliability/stream-resume: a quiet stream gave up after `attempts` such drops.
    const turn = scriptedTurn();
    const quietDrops = 6;
    const fetchFunction = fakeFetch((request) => {
      if (request.method === 'POST')
        return sseResponse(turn.events.slice(0, 2).map(eventFrame).join(''), { cutAfterBytes: 10_000 });
      const gets = fetchFunction.requests.filter((candidate) => candidate.method === 'GET').length;
      // `: connected` and a heartbeat (26 bytes), then the connection breaks off.
      if (gets <= quietDrops) return sseResponse(': heartbeat\n\n', { cutAfterBytes: 26 });
      return replayFrom(turn.events, request);
    });
    const client = new ConfabClient({ baseUrl: 'http://api.test', token: 't', fetch: fetchFunction, retry });
    expect(await collect(client.session('ses_1').stream('hello there'))).toEqual(turn.events);
    const gets = fetchFunction.requests.filter((request) => request.method === 'GET');
    expect(gets).toHaveLength(quietDrops + 1);
    expect(gets.every((request) => request.headers.get('last-event-id') === String(turn.events[1]!.seq))).toBe(true);
  });

  it('ends with the error of a stream-error frame, and does not reconnect after a 4xx', async () => {
    const errorFrame = `event: stream-error\ndata: ${JSON.stringify({
      error: { code: 'session_closed', message: 'closed', requestId: 'r' },
    })}\n\n`;
    const fetchFunction = fakeFetch(() => sseResponse(`${eventFrame(scriptedTurn().events[0]!)}${errorFrame}`));
    const client = new ConfabClient({ baseUrl: 'http://api.test', token: 't', fetch: fetchFunction, retry });
    await expect(collect(client.session('ses_1').stream('x'))).rejects.toBeInstanceOf(SessionClosedError);
    expect(fetchFunction.requests).toHaveLength(1);

    const missing = fakeFetch(
      () =>
        new Response(JSON.stringify({ error: { code: 'not_found', message: 'no', requestId: 'r' } }), { status: 404 }),
    );
    const other = new ConfabClient({ baseUrl: 'http://api.test', token: 't', fetch: missing, retry });
    await expect(collect(other.session('nope').stream('x'))).rejects.toBeInstanceOf(NotFoundError);
    expect(missing.requests).toHaveLength(1);
  });

  it('closes the connection when the consumer leaves early', async () => {
    const turn = scriptedTurn();
    const firstFrames = turn.events.slice(0, 3).map(eventFrame).join('');
    const fetchFunction = fakeFetch(() => sseResponse(firstFrames, { keepOpen: true }));
    const client = new ConfabClient({ baseUrl: 'http://api.test', token: 't', fetch: fetchFunction, retry });
    const stream = client.session('ses_1').stream('hello');
    for await (const event of stream) if (event.type === 'turn-start') break;
    expect(fetchFunction.requests[0]?.signal?.aborted).toBe(true);
    await expect(stream.result).rejects.toThrow(/cancelled/);
  });
});

describe('live tail', () => {
  it('follows from `after`, reconnects with Last-Event-ID and skips repeats', async () => {
    const turn = scriptedTurn();
    let gets = 0;
    const fetchFunction = fakeFetch((request) => {
      gets += 1;
      if (gets === 1) return sseResponse(turn.events.map(eventFrame).join(''), { cutAfterBytes: 400 });
      return replayFrom(turn.events, request, 3);
    });
    const client = new ConfabClient({ baseUrl: 'http://api.test', token: 't', fetch: fetchFunction, retry });
    const controller = new AbortController();
    const received: StreamEvent[] = [];
    for await (const event of client.session('ses_1').events.stream({ after: 0, signal: controller.signal })) {
      received.push(event);
      if (event.type === 'turn-end') break;
    }
    expect(received).toEqual(turn.events);
    expect(fetchFunction.requests[0]?.url.searchParams.get('after')).toBe('0');
    expect(fetchFunction.requests[1]?.headers.get('last-event-id')).toBeTruthy();
  });
});
