import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from './test-support/server.js';
import type { LifecycleEvent } from './types.js';

describe('client against the real server: lifecycle events', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('delivers the app lifecycle to client.on handlers, by type and with *', async () => {
    const client = server.client();
    const created: LifecycleEvent[] = [];
    const all: LifecycleEvent[] = [];
    client.on('session.created', (event) => created.push(event));
    const removeAll = client.on('*', (event) => all.push(event));

    const session = await client.sessions.create({ clientSessionId: 'watched-1' });
    await session.turn('hello');
    await session.update({ title: 'renamed' });
    await session.close();

    await eventually(() => all.some((event) => event.type === 'session.closed'));
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ sessionId: session.id, clientSessionId: 'watched-1', appId: 'app-a' });
    expect(created[0]?.id).toBeTruthy();
    const types = all.filter((event) => event.sessionId === session.id).map((event) => event.type);
    expect(types).toEqual(expect.arrayContaining(['session.created', 'turn.started', 'turn.ended', 'session.updated']));
    expect(types.indexOf('turn.started')).toBeLessThan(types.indexOf('turn.ended'));

    removeAll();
    // Another app's sessions are not in this app's lifecycle.
    await server.client({ app: 'b' }).sessions.create({ clientSessionId: 'theirs' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(created.map((event) => event.clientSessionId)).toEqual(['watched-1']);
  });

  it('materializes a pending session from session.created before the slow create answer', async () => {
    let releaseAnswer: () => void = () => undefined;
    const answerHeld = new Promise<void>((resolve) => {
      releaseAnswer = resolve;
    });
    const client = server.client({
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        // The server created the session (and emitted session.created); its answer is late.
        if (init.method === 'POST' && url.endsWith('/v1/sessions')) await answerHeld;
        return response;
      },
    });
    const pending = client.sessions.createPending({ clientSessionId: 'lazy-1' });
    const early: LifecycleEvent[] = [];
    pending.on('*', (event) => early.push(event));
    let answered = false;
    void pending.ready.then(() => {
      answered = true;
    });

    const session = await eventually(() => pending.session);
    expect(answered).toBe(false);
    expect(early.map((event) => event.type)).toEqual(['session.created']);
    expect(early[0]?.sessionId).toBe(session.id);
    expect(session.info).toBeNull();
    expect(client.session(session.id)).toBe(session);

    releaseAnswer();
    expect(await pending.ready).toBe(session);
    expect(session.info?.clientSessionId).toBe('lazy-1');

    // Listeners added before the answer keep receiving the session's events on its handle.
    await session.turn('after');
    await eventually(() => early.some((event) => event.type === 'turn.ended'));
    expect(early.every((event) => event.sessionId === session.id)).toBe(true);
  });

  it('materializes from the answer when it comes first, and its listeners get the first events', async () => {
    const client = server.client();
    const pending = client.sessions.createPending({ clientSessionId: 'lazy-2' });
    const received: LifecycleEvent[] = [];
    pending.on('session.created', (event) => received.push(event));
    const session = await pending.ready;
    expect(pending.session).toBe(session);
    await eventually(() => received.length === 1);
    expect(received[0]).toMatchObject({ sessionId: session.id, clientSessionId: 'lazy-2' });

    const onHandle: string[] = [];
    session.on('turn.ended', (event) => onHandle.push(event.type));
    await session.turn('hi');
    await eventually(() => onHandle.length === 1);
  });

  it('drops a pending session whose creation failed', async () => {
    const client = server.client();
    const pending = client.sessions.createPending({
      clientSessionId: 'broken',
      tools: [{ name: 'not a valid name', inputSchema: {} }],
    });
    const received: LifecycleEvent[] = [];
    pending.on('*', (event) => received.push(event));
    await expect(pending.ready).rejects.toMatchObject({ status: 400 });
    expect(pending.session).toBeNull();
    // Nobody listens any more: the lifecycle stream is closed and nothing is matched to it.
    const internals = client as unknown as {
      subscriptionCount: number;
      registry: { pending: Set<unknown> };
      lifecycle: { running: boolean };
    };
    expect(internals.registry.pending.size).toBe(0);
    expect(internals.subscriptionCount).toBe(0);
    expect(internals.lifecycle.running).toBe(false);
  });
});
