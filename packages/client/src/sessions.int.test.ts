import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfabClient } from './client.js';
import { eventually, startServer, type TestServer } from './test-support/server.js';
import type { StreamEvent } from './types.js';

describe('client against the real server: sessions', () => {
  let server: TestServer;
  let client: ConfabClient;

  beforeAll(async () => {
    server = await startServer({ pool: { compaction: { keepTail: 2 } } });
    client = server.client();
  });
  afterAll(() => server.close());

  it('creates, gets, updates, lists and archives sessions', async () => {
    const session = await client.sessions.create({ title: 'first', meta: { a: 1, b: 2 }, channel: 'room-1' });
    expect(session.info).toMatchObject({ title: 'first', status: 'active', channel: 'room-1', turnCount: 0 });
    expect(client.session(session.id)).toBe(session);

    const fetched = await client.sessions.get(session.id);
    expect(fetched.id).toBe(session.id);

    const updated = await client.sessions.update(session.id, { title: 'renamed', meta: { a: null, c: 3 } });
    expect(updated).toMatchObject({ title: 'renamed', meta: { b: 2, c: 3 } });
    expect(session.info?.title).toBe('renamed');

    // One active session per channel: archive the first before the channel gets another.
    const archived = await client.sessions.archive(session.id);
    expect(archived.status).toBe('archived');
    const other = await client.sessions.create({ channel: 'room-1' });
    const page = await client.sessions.list({ channel: 'room-1', limit: 1 });
    expect(page.sessions.map((info) => info.id)).toEqual([other.id]);
    expect(page.nextCursor).not.toBeNull();
    const all = [];
    for await (const info of client.sessions.iterate({ channel: 'room-1', limit: 1 })) all.push(info.id);
    expect(all).toEqual([other.id, session.id]);
    const active = await client.sessions.list({ channel: 'room-1', status: 'active' });
    expect(active.sessions.map((info) => info.id)).toEqual([other.id]);
  });

  it('searches sessions by title, id or clientSessionId, and lists the forks of one, page by page', async () => {
    const titled = await client.sessions.create({ title: 'Zebra crossing plan' });
    const named = await client.sessions.create({ clientSessionId: 'zebra-chat-1' });
    await client.sessions.create({ title: 'something else' });
    const found = async (params: Parameters<typeof client.sessions.list>[0]) => {
      const ids: string[] = [];
      for await (const info of client.sessions.iterate({ ...params, limit: 1 })) ids.push(info.id);
      return ids.sort();
    };
    expect(await found({ search: 'ZEBRA' })).toEqual([titled.id, named.id].sort());
    expect(await found({ search: named.id.slice(4) })).toEqual([named.id]);
    expect(await found({ search: '100%_zebra' })).toEqual([]);
    // Another app's client sees none of them.
    expect((await server.client({ app: 'b' }).sessions.list({ search: 'zebra' })).sessions).toEqual([]);
    await expect(client.sessions.list({ search: 'x'.repeat(300) })).rejects.toMatchObject({
      code: 'invalid_argument',
      status: 400,
    });

    await titled.turn('hello');
    const first = await client.sessions.fork(titled.id);
    const second = await client.sessions.fork(titled.id);
    await first.turn('hi');
    const grandchild = await client.sessions.fork(first.id);
    expect(await found({ parentId: titled.id })).toEqual([first.id, second.id].sort());
    expect(await found({ parentId: first.id })).toEqual([grandchild.id]);
    expect(await found({ parentId: titled.id, search: second.id })).toEqual([second.id]);
    expect((await server.client({ app: 'b' }).sessions.list({ parentId: titled.id })).sessions).toEqual([]);
  });

  it('creates idempotently with a clientSessionId', async () => {
    const first = await client.sessions.create({ clientSessionId: 'client-1' });
    const second = await client.sessions.create({ clientSessionId: 'client-1' });
    expect(second.id).toBe(first.id);
    expect(second).toBe(first);
  });

  it('closes softly (idempotent) and deletes hard', async () => {
    const session = await client.sessions.create();
    expect(await session.close()).toEqual({ ok: true, alreadyClosed: false });
    expect(await session.close()).toEqual({ ok: true, alreadyClosed: false });
    // Another handle's close is a new request: the server says it was already closed.
    const otherClient = server.client();
    expect(await otherClient.sessions.delete(session.id)).toEqual({ ok: true, alreadyClosed: true });
    expect((await session.get()).status).toBe('closed');

    expect(await client.sessions.delete(session.id, { hard: true })).toEqual({ ok: true, deleted: true });
    await expect(session.get()).rejects.toMatchObject({ status: 404 });
  });

  it('runs turns, reads events, messages and snapshots, forks and compacts', async () => {
    const session = await client.sessions.create();
    const first = await session.turn('hello there');
    expect(first.stopReason).toBe('stop');
    expect(first.text()).toBe('echo: hello there');
    expect(first.index).toBe(1);
    await session.turn('second message');
    await session.turn('third message');

    const page = await session.events({ after: 0, limit: 3 });
    expect(page.events.map((event) => event.seq)).toEqual([1, 2, 3]);
    expect(page.nextAfter).toBe(3);
    const rest = await session.events({ after: page.nextAfter ?? 0 });
    expect(rest.events.at(-1)?.type).toBe('turn-end');

    const messages = await session.messages();
    expect(messages.messages[0]).toMatchObject({ role: 'user' });
    expect(messages.summary).toBeNull();

    const snapshots = await session.snapshots();
    expect(snapshots).toHaveLength(3);

    const fork = await session.fork({ snapshotId: snapshots[0]!.id });
    expect(fork.id).not.toBe(session.id);
    expect(fork.info?.parent).toMatchObject({ sessionId: session.id, snapshotId: snapshots[0]!.id });
    const forkEvents = await fork.events();
    expect(forkEvents.events.at(-1)?.type).toBe('turn-end');
    expect(forkEvents.events.every((event) => event.turn === 1)).toBe(true);

    const compacted = await session.compact();
    expect(compacted.compacted).toBe(true);
    expect(typeof compacted.summary).toBe('string');
    expect((await session.messages()).summary).toBe(compacted.summary);
    const latestFork = await client.sessions.fork(session.id);
    expect(latestFork.info?.parent?.sessionId).toBe(session.id);
  });

  it('streams a turn with its deltas, ending with turn-end', async () => {
    const session = await client.sessions.create();
    const stream = session.stream('streaming words here');
    const events: StreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['input', 'turn-start', 'message']));
    expect(events.at(-1)?.type).toBe('turn-end');
    const deltas = events.filter((event) => event.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((event) => (event.type === 'text-delta' ? event.data.delta : '')).join('')).toBe(
      'echo: streaming words here',
    );
    expect((await stream.result).text()).toBe('echo: streaming words here');
    expect(await session.stream('again').text()).toBe('echo: again');
  });

  it('queues inputs with send and follows them on the live tail', async () => {
    const session = await client.sessions.create();
    const controller = new AbortController();
    const seen: StreamEvent[] = [];
    const tail = (async () => {
      for await (const event of session.events.stream({ signal: controller.signal })) {
        seen.push(event);
        if (event.type === 'turn-end') controller.abort();
      }
    })().catch((error: unknown) => {
      if (!controller.signal.aborted) throw error;
    });
    const { inputId } = await session.send('queued hello');
    expect(inputId).toBeTruthy();
    await tail;
    const input = seen.find((event) => event.type === 'input');
    expect(input?.type === 'input' && input.data.inputId).toBe(inputId);
    const message = seen.find((event) => event.type === 'message');
    expect(message?.type === 'message' && message.data.text).toBe('echo: queued hello');
  });

  it('stops a running turn', async () => {
    const session = await client.sessions.create();
    const running = session.turn('/sleep 5000 never');
    const stopped = await eventually(async () => {
      const answer = await session.stop();
      return answer.stopped ? answer : null;
    });
    expect(stopped).toEqual({ ok: true, stopped: true });
    expect((await running).stopReason).toBe('aborted');
    expect(await session.stop()).toEqual({ ok: true, stopped: false });
  });

  it('resolves and rotates channels', async () => {
    const resolved = await client.sessions.resolveChannel('dm-42', { model: 'echo' });
    expect(resolved.created).toBe(true);
    expect(resolved.session.info?.channel).toBe('dm-42');
    const again = await client.sessions.resolveChannel('dm-42');
    expect(again).toMatchObject({ created: false });
    expect(again.session).toBe(resolved.session);
    const rotated = await client.sessions.rotateChannel('dm-42');
    expect(rotated.archivedSessionId).toBe(resolved.session.id);
    expect(rotated.session.id).not.toBe(resolved.session.id);
  });

  it('uploads a file and uses its token in a turn', async () => {
    const file = await client.files.upload(new TextEncoder().encode('hello file'), {
      mediaType: 'text/plain',
      ttlSeconds: 120,
      name: 'hello.txt',
    });
    expect(file.size).toBe(10);
    expect(Date.parse(file.expiresAt)).toBeGreaterThan(Date.now());
    const blob = await client.files.upload(new Blob(['{}'], { type: 'application/json' }));
    expect(blob.size).toBe(2);
    const session = await client.sessions.create();
    const result = await session.turn('see the file', { files: [file.fileToken] });
    const input = result.events.find((event) => event.type === 'input');
    expect(input?.type === 'input' && input.data.files).toEqual([file.fileToken]);
  });

  it('answers health', async () => {
    expect(await client.health()).toMatchObject({ ok: true });
  });
});
