import { createInterface } from 'node:readline';
import type { NewEvent } from 'confab';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from './driver.js';
import { SqliteStore } from './index.js';
import { LATEST_SCHEMA_VERSION } from './migrations.js';
import { spawnFixture, temporaryDatabase } from './test-fixtures/temporary-database.js';

const message = (text: string): NewEvent => ({
  type: 'message',
  turn: 1,
  data: { messageId: text, role: 'assistant', text },
});

/*
 * Two stores on one file stand for two processes: each has its own connections, so only the
 * file's locks and rows coordinate them. The last test uses real processes.
 */
describe('several stores sharing one file', () => {
  let database: ReturnType<typeof temporaryDatabase>;
  let first: SqliteStore;
  let second: SqliteStore;

  beforeEach(async () => {
    database = temporaryDatabase();
    first = new SqliteStore({ filename: database.filename });
    second = new SqliteStore({ filename: database.filename });
    await Promise.all([first.migrate(), second.migrate()]);
  });

  afterEach(async () => {
    await Promise.all([first.close(), second.close()]);
    database.remove();
  });

  it('the lease row fences writers of both stores', async () => {
    const { session } = await first.createSession({ appId: 'app' });
    const held = await first.acquireLease(session.id, 'process-a', 60_000);
    if (!held) throw new Error('lease expected');
    expect(await second.acquireLease(session.id, 'process-b', 60_000)).toBeNull();
    expect(await second.getLease(session.id)).toEqual(held);
    await expect(second.appendEvents({ sessionId: session.id, events: [message('x')] })).rejects.toMatchObject({
      code: 'conflict',
    });
    await first.releaseLease(held);
    const taken = await second.acquireLease(session.id, 'process-b', 60_000);
    expect(taken?.token).toBeGreaterThan(held.token);
    await expect(
      first.appendEvents({ sessionId: session.id, lease: held, events: [message('stale')] }),
    ).rejects.toMatchObject({ code: 'conflict' });
    const appended = await second.appendEvents({ sessionId: session.id, lease: taken, events: [message('ok')] });
    expect(appended.events[0]?.seq).toBe(1);
  });

  it('seqs stay contiguous when both stores append to one session at once', async () => {
    const { session } = await first.createSession({ appId: 'app' });
    const appends = Array.from({ length: 50 }, (_, index) =>
      (index % 2 ? first : second).appendEvents({
        sessionId: session.id,
        events: Array.from({ length: 1 + (index % 3) }, () => message(`${index}`)),
      }),
    );
    const seqs = (await Promise.all(appends)).flatMap((result) => result.events.map((event) => event.seq));
    expect(seqs.sort((a, b) => a - b)).toEqual(seqs.map((_, index) => index + 1));
    const stored = await first.readEvents(session.id, { limit: 1000 });
    expect(stored.events.map((event) => event.seq)).toEqual(seqs);
  });

  it('resolveChannel yields one session across stores', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => (index % 2 ? first : second).resolveChannel('app', 'room')),
    );
    expect(new Set(results.map((result) => result.session.id)).size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
  });

  it('a write lock held past the busy timeout fails with unavailable, and nothing is written', async () => {
    const impatient = new SqliteStore({ filename: database.filename, busyTimeoutMs: 50 });
    const blocker = new Database(database.filename);
    try {
      blocker.exec('BEGIN IMMEDIATE');
      await expect(impatient.createSession({ appId: 'app', clientSessionId: 'blocked' })).rejects.toMatchObject({
        code: 'unavailable',
      });
      blocker.exec('COMMIT');
      const { created } = await impatient.createSession({ appId: 'app', clientSessionId: 'blocked' });
      expect(created).toBe(true);
    } finally {
      blocker.close();
      await impatient.close();
    }
  });

  it('reopening the file finds everything that was written', async () => {
    await first.createApp({ id: 'app', name: 'App' });
    await first.createToken({ id: 'tok_1', appId: 'app', tokenHash: 'hash' });
    const { session } = await first.createSession({ appId: 'app', channel: 'room', meta: { a: 1 } });
    const held = await first.acquireLease(session.id, 'owner', 60_000);
    const { input } = await first.enqueueInput(session.id, { text: 'hi', idempotencyKey: 'k' });
    await first.claimInputs(session.id, { max: 1, claimToken: 'turn-1' });
    const appended = await first.appendEvents({
      sessionId: session.id,
      lease: held,
      events: [{ type: 'input', turn: 1, data: { inputId: input.id, text: 'hi' } }, message('answer')],
      consumeInputIds: [input.id],
      update: { state: { n: 1 }, stateVersion: 1, turnCount: 1 },
      snapshot: { id: 'snap_1' },
    });
    await first.putFile({
      token: 'file_1',
      appId: 'app',
      sessionId: session.id,
      mediaType: 'application/octet-stream',
      data: new Uint8Array([1, 2, 3]),
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    await first.close();
    await second.close();

    first = new SqliteStore({ filename: database.filename });
    second = new SqliteStore({ filename: database.filename });
    expect(await first.migrate()).toEqual({ version: LATEST_SCHEMA_VERSION });
    expect(await first.getSession(session.id)).toEqual(appended.session);
    expect((await first.readEvents(session.id)).events).toEqual(appended.events);
    expect(await first.getInput(session.id, input.id)).toMatchObject({ status: 'consumed', consumedSeq: 1 });
    expect(await first.getLease(session.id)).toEqual(held);
    expect(await first.getSnapshot('snap_1')).toMatchObject({ seq: 2, state: { n: 1 } });
    expect(Array.from((await first.getFile('app', 'file_1'))?.data ?? [])).toEqual([1, 2, 3]);
    expect(await first.findToken('hash')).toMatchObject({ id: 'tok_1' });
    expect((await first.resolveChannel('app', 'room')).session.id).toBe(session.id);
  });
});

describe('several processes sharing one fresh file', () => {
  it('migrate at once, resolve one channel to one session and grant one lease', async () => {
    const database = temporaryDatabase();
    try {
      const outputs = await Promise.all(
        ['owner-1', 'owner-2', 'owner-3'].map(
          (owner) =>
            new Promise<{ version: number; sessionId: string; created: boolean; leaseToken: number | null }>(
              (resolve, reject) => {
                const child = spawnFixture('migrate-and-resolve.ts', [database.filename, owner]);
                let stderr = '';
                child.stderr.on('data', (chunk) => {
                  stderr += String(chunk);
                });
                createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line)));
                child.on('exit', (code) => {
                  if (code !== 0) reject(new Error(`fixture failed (${code}): ${stderr}`));
                });
              },
            ),
        ),
      );
      expect(outputs.map((output) => output.version)).toEqual(Array(3).fill(LATEST_SCHEMA_VERSION));
      expect(new Set(outputs.map((output) => output.sessionId)).size).toBe(1);
      expect(outputs.filter((output) => output.created)).toHaveLength(1);
      expect(outputs.filter((output) => output.leaseToken !== null)).toHaveLength(1);
      const store = new SqliteStore({ filename: database.filename });
      expect(await store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
      await store.close();
    } finally {
      database.remove();
    }
  });
});
