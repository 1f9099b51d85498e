import { describe, expect, it } from 'vitest';
import { ConfabClient } from './client.js';
import { TransportError } from './errors.js';
import {
  delay,
  errorResponse,
  fakeFetch,
  jsonResponse,
  scriptedTurn,
  sseResponse,
  wireTurn,
} from './test-support/fake-fetch.js';

describe('turn ordering on one handle', () => {
  it('sends concurrent turns in call order, each after the one before ended', async () => {
    let running = 0;
    let overlap = false;
    const fetchFunction = fakeFetch(async (request) => {
      running += 1;
      if (running > 1) overlap = true;
      const input = JSON.parse(request.body ?? '{}').input as string;
      // Later calls answer faster: without the queue they would overtake.
      await delay(input === 'first' ? 30 : 1);
      running -= 1;
      const turn = scriptedTurn({ text: `echo: ${input}` });
      if (request.headers.get('accept') === 'text/event-stream') return sseResponse(turn.text);
      return jsonResponse(wireTurn(turn.persisted));
    });
    const client = new ConfabClient({ baseUrl: 'http://api.test', token: 't', fetch: fetchFunction });
    const session = client.session('ses_1');
    const results = await Promise.all([session.turn('first'), session.stream('second').result, session.turn('third')]);
    expect(results.map((result) => result.text())).toEqual(['echo: first', 'echo: second', 'echo: third']);
    expect(fetchFunction.requests.map((request) => JSON.parse(request.body ?? '{}').input)).toEqual([
      'first',
      'second',
      'third',
    ]);
    expect(overlap).toBe(false);
  });

  it('keeps going after a failed turn', async () => {
    let calls = 0;
    const fetchFunction = fakeFetch(() => {
      calls += 1;
      return calls === 1 ? errorResponse(400, 'invalid_argument') : jsonResponse(wireTurn(scriptedTurn().persisted));
    });
    const session = new ConfabClient({ baseUrl: 'http://api.test', token: 't', fetch: fetchFunction }).session('s');
    const [first, second] = await Promise.allSettled([session.turn('a'), session.turn('b')]);
    expect(first.status).toBe('rejected');
    expect(second.status).toBe('fulfilled');
  });

  it('gives the same handle for the same id while it is in use', () => {
    const client = new ConfabClient({
      baseUrl: 'http://api.test',
      token: 't',
      fetch: fakeFetch(() => jsonResponse({})),
    });
    expect(client.session('a')).toBe(client.session('a'));
    expect(client.session('a')).not.toBe(client.session('b'));
  });
});

describe('close()', () => {
  it('makes one request however often it is called', async () => {
    const fetchFunction = fakeFetch(() => jsonResponse({ ok: true, alreadyClosed: false }));
    const session = new ConfabClient({ baseUrl: 'http://api.test', token: 't', fetch: fetchFunction }).session('s');
    const first = session.close();
    const second = session.close();
    expect(await first).toEqual({ ok: true, alreadyClosed: false });
    expect(await second).toEqual(await first);
    expect(await session.close()).toEqual(await first);
    expect(fetchFunction.requests).toHaveLength(1);
    expect(fetchFunction.requests[0]?.method).toBe('DELETE');
  });

  it('can be called again after a failure', async () => {
    let calls = 0;
    const fetchFunction = fakeFetch(() => {
      calls += 1;
      if (calls === 1) throw new TypeError('fetch failed');
      return jsonResponse({ ok: true, alreadyClosed: false });
    });
    const client = new ConfabClient({ baseUrl: 'http://api.test', token: 't', fetch: fetchFunction, retry: false });
    const session = client.session('s');
    await expect(session.close()).rejects.toBeInstanceOf(TransportError);
    await expect(session.close()).resolves.toEqual({ ok: true, alreadyClosed: false });
    await session.close();
    expect(fetchFunction.requests).toHaveLength(2);
  });
});

describe('send()', () => {
  it('carries an Idempotency-Key, reused by its retries, and keeps call order', async () => {
    let calls = 0;
    const fetchFunction = fakeFetch(async (request) => {
      calls += 1;
      if (calls === 1) return errorResponse(503, 'unavailable', { 'Retry-After': '0' });
      await delay(JSON.parse(request.body ?? '{}').input === 'a' ? 20 : 0);
      return jsonResponse({ inputId: `inp_${calls}` }, 202);
    });
    const client = new ConfabClient({
      baseUrl: 'http://api.test',
      token: 't',
      fetch: fetchFunction,
      retry: { initialDelayMs: 1 },
    });
    const session = client.session('s');
    await Promise.all([session.send('a'), session.send('b')]);
    const sent = fetchFunction.requests.map((request) => [
      JSON.parse(request.body ?? '{}').input,
      request.headers.get('idempotency-key'),
    ]);
    expect(sent.map(([input]) => input)).toEqual(['a', 'a', 'b']);
    expect(sent[0]?.[1]).toBe(sent[1]?.[1]);
    expect(sent[2]?.[1]).not.toBe(sent[0]?.[1]);
  });
});
