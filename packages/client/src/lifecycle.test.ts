import { describe, expect, it } from 'vitest';
import { ConfabClient } from './client.js';
import { fakeFetch, sseResponse } from './test-support/fake-fetch.js';
import type { LifecycleEvent } from './types.js';

function lifecycleFrame(id: string, type: string, sessionId: string, clientSessionId: string | null = null): string {
  const data = { type, sessionId, clientSessionId, appId: 'app', at: '2025-01-01T00:00:00.000Z', data: {} };
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  // Anything that would arrive wrongly (a repeat) arrives within this.
  await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('lifecycle stream', () => {
  it('opens on the first listener, reconnects with Last-Event-ID, drops repeats, closes after the last', async () => {
    let connections = 0;
    const fetchFunction = fakeFetch(() => {
      connections += 1;
      if (connections === 1) {
        return sseResponse(lifecycleFrame('e1', 'session.created', 's1'), { cutAfterBytes: 200 });
      }
      return sseResponse(lifecycleFrame('e1', 'session.created', 's1') + lifecycleFrame('e2', 'turn.started', 's1'), {
        keepOpen: true,
      });
    });
    const client = new ConfabClient({
      baseUrl: 'http://api.test',
      token: 't',
      fetch: fetchFunction,
      retry: { initialDelayMs: 1, maxDelayMs: 2 },
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fetchFunction.requests).toHaveLength(0);

    const received: LifecycleEvent[] = [];
    const onSession: string[] = [];
    const removeClient = client.on('*', (event) => received.push(event));
    const removeSession = client.session('s1').on('turn.started', (event) => onSession.push(event.id));
    await waitFor(() => received.length >= 2 && onSession.length >= 1);

    expect(received.map((event) => [event.id, event.type])).toEqual([
      ['e1', 'session.created'],
      ['e2', 'turn.started'],
    ]);
    expect(onSession).toEqual(['e2']);
    expect(fetchFunction.requests[0]?.url.pathname).toBe('/v1/lifecycle');
    expect(fetchFunction.requests[1]?.headers.get('last-event-id')).toBe('e1');

    removeClient();
    expect(fetchFunction.requests[1]?.signal?.aborted).toBe(false);
    removeSession();
    expect(fetchFunction.requests[1]?.signal?.aborted).toBe(true);
  });

  it('reports handler errors to onError and keeps delivering', async () => {
    const errors: unknown[] = [];
    const fetchFunction = fakeFetch(() =>
      sseResponse(lifecycleFrame('a', 'session.created', 's') + lifecycleFrame('b', 'session.updated', 's'), {
        keepOpen: true,
      }),
    );
    const client = new ConfabClient({
      baseUrl: 'http://api.test',
      token: 't',
      fetch: fetchFunction,
      onError: (error) => errors.push(error),
    });
    const seen: string[] = [];
    client.on('*', () => {
      throw new Error('handler bug');
    });
    client.on('*', (event) => seen.push(event.id));
    await waitFor(() => seen.length >= 2);
    expect(seen).toEqual(['a', 'b']);
    expect(errors).toHaveLength(2);
    client.disconnect();
  });
});
