import { defineAgent, type LifecycleEvent, Pool, tool } from 'confab';
import { createScriptedModel, scriptedText, scriptedToolCall } from 'confab/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSqliteFixture, eventually, readLog } from '../support/sqlite-fixture.js';

let fixture: Awaited<ReturnType<typeof createSqliteFixture>>;
let pool: Pool | null = null;
beforeEach(async () => {
  fixture = await createSqliteFixture();
});
afterEach(async () => {
  await pool?.close();
  pool = null;
  await fixture.dispose();
});

function record(target: Pool): LifecycleEvent[] {
  const seen: LifecycleEvent[] = [];
  target.bus.subscribe((event) => seen.push(event));
  return seen;
}

describe('pool: channels and sessions', () => {
  it('100 concurrent resolves of one new channel yield one session and one session.created', async () => {
    pool = new Pool({ store: fixture.store });
    const events = record(pool);
    const results = await Promise.all(Array.from({ length: 100 }, () => pool!.resolveSession('slack:C1')));
    expect(new Set(results.map((result) => result.session.id)).size).toBe(1);
    expect(events.filter((event) => event.type === 'session.created')).toHaveLength(1);
    expect((await pool.activeSession('slack:C1'))?.id).toBe(results[0]?.session.id);
  });

  it('rotate archives the active session, keeps its history and emits archived + created', async () => {
    pool = new Pool({ store: fixture.store });
    const { session: first } = await pool.resolveSession('dm:7');
    await (await pool.chat(first.id, 'hello')).result;
    const events = record(pool);
    const rotated = await pool.rotateSession('dm:7');
    expect(rotated.archived?.id).toBe(first.id);
    expect(events.map((event) => event.type)).toEqual(['session.archived', 'session.created']);
    expect((await pool.history(first.id)).events.length).toBeGreaterThan(0);
    const listed = await pool.listSessions();
    expect(listed.sessions.map((session) => session.id)).toEqual([rotated.session.id]);
    const all = await pool.listSessions({ includeArchived: true });
    expect(all.sessions.map((session) => session.id).sort()).toEqual([rotated.session.id, first.id].sort());
    // The store's search and parent filters, through the pool.
    const found = await pool.listSessions({ includeArchived: true, search: first.id.toUpperCase().slice(4) });
    expect(found.sessions.map((session) => session.id)).toEqual([first.id]);
    const fork = await pool.forkSession(first.id);
    const forks = await pool.listSessions({ includeArchived: true, parentId: first.id });
    expect(forks.sessions.map((session) => session.id)).toEqual([fork.id]);
    const archivedTurn = await pool.chat(first.id, 'still there?');
    await expect(archivedTurn.result).rejects.toMatchObject({ code: 'failed_precondition' });
  });

  it('a turn sets the title, emits turn and update events in order, and close makes turns fail', async () => {
    pool = new Pool({ store: fixture.store });
    const { session } = await pool.createSession(null, { clientSessionId: 'c-1' });
    const events = record(pool);
    await (await pool.chat(session.id, 'A question about something quite specific and long enough to be cut at sixty'))
      .result;
    expect(events.map((event) => event.type)).toEqual(['turn.started', 'session.updated', 'turn.ended']);
    expect(events[0]).toMatchObject({
      sessionId: session.id,
      clientSessionId: 'c-1',
      appId: 'default',
      data: { turn: 1 },
    });
    expect(events[2]?.data).toMatchObject({ stopReason: 'stop', inputCount: 1 });
    const titled = await pool.getSession(session.id);
    expect(titled.title).toBe('A question about something quite specific and long enough…');
    const first = await pool.closeSession(session.id);
    const second = await pool.closeSession(session.id);
    expect([first.alreadyClosed, second.alreadyClosed]).toEqual([false, true]);
    expect(events.filter((event) => event.type === 'session.closed')).toHaveLength(1);
    const closedTurn = await pool.chat(session.id, 'hi');
    await expect(closedTurn.result).rejects.toMatchObject({ code: 'session_closed' });
  });

  it("another app's session is not found through the pool", async () => {
    pool = new Pool({ store: fixture.store });
    const { session } = await pool.createSession(null, { appId: 'other' });
    await expect(pool.getSession(session.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(pool.chat(session.id, 'x')).rejects.toMatchObject({ code: 'not_found' });
    expect((await pool.getSession(session.id, { appId: 'other' })).id).toBe(session.id);
  });
});

describe('pool: runners', () => {
  it('the reaper evicts idle runners while their sessions stay readable', async () => {
    pool = new Pool({ store: fixture.store, idleTimeoutMs: 1_500, reaperIntervalMs: 20 });
    const idle: string[] = [];
    pool.bus.subscribe((event) => idle.push(event.sessionId), { types: ['session.idle'] });
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) ids.push((await pool.createSession(null)).session.id);
    // Concurrent turns finish well inside the idle timeout, so all five runners are resident at once.
    await Promise.all(ids.map(async (id, index) => (await pool!.chat(id, `hi ${index}`)).result));
    expect(pool.residentCount).toBe(5);
    expect(pool.runner.residentCount).toBe(5);
    await eventually(() => pool!.residentCount === 0 && pool!.runner.residentCount === 0, 10_000);
    expect(idle.sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await pool.history(id)).events.length).toBe(4);
    const again = await (await pool.chat(ids[0] as string, 'back')).result;
    expect(again.index).toBe(2);
  });

  it('a runner is rebuilt when the requested model differs: explicit, then session, then default', async () => {
    const built: string[] = [];
    pool = new Pool({
      store: fixture.store,
      defaultModel: 'echo',
      factory: (_session, model) => {
        built.push(model);
        return defineAgent({ model: 'echo' });
      },
    });
    const { session } = await pool.createSession(null, { model: 'session-model' });
    const { session: plain } = await pool.createSession(null);
    await (await pool.chat(session.id, 'a')).result;
    await (await pool.chat(session.id, 'b')).result;
    await (await pool.chat(session.id, 'c', { model: 'explicit-model' })).result;
    await (await pool.chat(plain.id, 'd')).result;
    expect(built).toEqual(['session-model', 'explicit-model', 'echo']);
  });
});

describe('pool: compaction', () => {
  const weather = tool({
    inputSchema: z.object({ city: z.string() }),
    execute: ({ city }) => ({ city, sky: 'clear' }),
  });

  it('compacts a history with interleaved tool calls, keeping every pair intact for the model', async () => {
    const steps = [];
    for (let turn = 0; turn < 6; turn++) {
      steps.push(scriptedToolCall('weather', { city: `c${turn}` }, { toolCallId: `call-${turn}` }));
      steps.push(scriptedText(`answer ${turn} `.repeat(20)));
    }
    steps.push(scriptedText('after compaction'));
    const model = createScriptedModel(steps);

    const summarizer = createScriptedModel(() => scriptedText('SUMMARY: weather was checked for the first cities'));
    pool = new Pool({
      store: fixture.store,
      factory: () => defineAgent({ model, tools: { weather } }),
      compaction: { maxTokens: 150, keepTail: 6, fastModel: summarizer },
    });
    const { session } = await pool.createSession(null);
    for (let turn = 0; turn < 6; turn++) await (await pool.chat(session.id, `weather ${turn}?`)).result;
    expect(summarizer.calls.length).toBeGreaterThanOrEqual(1);
    const last = await (await pool.chat(session.id, 'and now?')).result;
    expect(last.stopReason).toBe('stop');
    const log = await readLog(fixture.store, session.id);
    const compaction = log.filter((event) => event.type === 'compaction').pop();
    expect(compaction).toBeDefined();
    const prompt = model.calls[model.calls.length - 1]?.prompt ?? [];
    expect(JSON.stringify(prompt[0])).toContain('SUMMARY');
    // Every tool call the model sees is answered in the next message, and no tool message is orphaned.
    for (let index = 0; index < prompt.length; index++) {
      const message = prompt[index]!;
      if (message.role === 'tool') expect(prompt[index - 1]?.role).toBe('assistant');
      if (message.role !== 'assistant') continue;
      const calls = message.content.filter((part) => part.type === 'tool-call');
      if (!calls.length) continue;
      const next = prompt[index + 1];
      expect(next?.role).toBe('tool');
      const answered =
        next?.role === 'tool' ? next.content.map((part) => (part as { toolCallId: string }).toolCallId) : [];
      for (const call of calls) expect(answered).toContain((call as { toolCallId: string }).toolCallId);
    }
  });

  it('a failing compaction model leaves history intact; the failure is an event and the turn runs', async () => {
    const summarizer = createScriptedModel(() => ({ parts: [{ throw: new Error('summarizer down') }] }));
    pool = new Pool({
      store: fixture.store,
      compaction: { maxTokens: 50, keepTail: 2, fastModel: summarizer, retryAfterMs: 0 },
    });
    const { session } = await pool.createSession(null);
    for (let turn = 0; turn < 4; turn++)
      await (await pool.chat(session.id, `message number ${turn} `.repeat(10))).result;
    const log = await readLog(fixture.store, session.id);
    expect(log.filter((event) => event.type === 'compaction')).toEqual([]);
    expect(log.filter((event) => event.type === 'input')).toHaveLength(4);
    expect(log.filter((event) => event.type === 'turn-end')).toHaveLength(4);
    const failures = log.filter((event) => event.type === 'error');
    expect(failures.length).toBeGreaterThan(1);
    expect(JSON.stringify(failures[0]?.data)).toContain('compaction failed');
  });

  it('after a failed compaction, turns do not try again until the retry delay has passed', async () => {
    const summarizer = createScriptedModel(() => ({ parts: [{ throw: new Error('summarizer down') }] }));
    pool = new Pool({ store: fixture.store, compaction: { maxTokens: 50, keepTail: 2, fastModel: summarizer } });
    const { session } = await pool.createSession(null);
    for (let turn = 0; turn < 6; turn++)
      await (await pool.chat(session.id, `message number ${turn} `.repeat(10))).result;
    const log = await readLog(fixture.store, session.id);
    expect(log.filter((event) => event.type === 'turn-end')).toHaveLength(6);
    expect(log.filter((event) => event.type === 'error')).toHaveLength(1);
    expect(summarizer.calls).toHaveLength(1);
  });

  it('manual compaction works with automatic compaction disabled; needsCompaction says no', async () => {
    const summarizer = createScriptedModel([scriptedText('short summary')]);
    pool = new Pool({ store: fixture.store, compaction: { maxTokens: -1, keepTail: 2, fastModel: summarizer } });
    const { session } = await pool.createSession(null);
    for (let turn = 0; turn < 3; turn++) await (await pool.chat(session.id, `turn ${turn}`)).result;
    expect(await pool.needsCompaction(session.id)).toBe(false);
    const result = await pool.compactSession(session.id);
    expect(result).toMatchObject({ compacted: true, summary: 'short summary' });
    const context = await fixture.store.readContext(session.id);
    expect(context.compaction?.data.summary).toBe('short summary');
    expect(context.events.every((event) => event.seq > (result.throughSeq ?? 0))).toBe(true);
  });
});

describe('pool: retention', () => {
  it('closes idle sessions, deletes long-closed ones, spares pending interrupts, and emits events', async () => {
    pool = new Pool({ store: fixture.store, retention: { closeAfterIdleMs: 0, deleteAfterClosedMs: 60_000 } });
    const events = record(pool);
    const { session: idle } = await pool.createSession(null);
    const { session: waiting } = await pool.createSession(null, {
      tools: [{ name: 'ask', inputSchema: { type: 'object' } }],
    });
    await (await pool.chat(waiting.id, '/tool ask {}')).result;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const swept = await pool.sweep();
    expect(swept.closed.map((session) => session.id)).toEqual([idle.id]);
    expect((await pool.getSession(waiting.id)).status).toBe('active');
    expect(events.filter((event) => event.type === 'session.closed').map((event) => event.sessionId)).toEqual([
      idle.id,
    ]);
    const forced = await pool.sweep({ force: true });
    expect(forced.closed.map((session) => session.id)).toEqual([waiting.id]);
    expect(await fixture.store.getSession(idle.id)).not.toBeNull();
  });
});

describe('pool: edges found through the server', () => {
  it('an unknown model fails the turn before anything is written or queued', async () => {
    pool = new Pool({ store: fixture.store });
    const { session } = await pool.createSession(null);
    const handle = await pool.chat(session.id, 'hello', { model: 'nope:x' });
    await expect(handle.result).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(await readLog(fixture.store, session.id)).toEqual([]);
    expect(await fixture.store.countPendingInputs(session.id)).toBe(0);
    expect((await (await pool.chat(session.id, 'hello')).result).index).toBe(1);
  });

  it('the reaper keeps a runner that has a live subscriber', async () => {
    pool = new Pool({ store: fixture.store, idleTimeoutMs: 50, reaperIntervalMs: 10 });
    const { session } = await pool.createSession(null);
    await (await pool.chat(session.id, 'one')).result;
    const stop = new AbortController();
    const tail = await pool.subscribe(session.id, { seq: 4 }, stop.signal);
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of tail) {
        seen.push(event.type);
        if (event.type === 'turn-end') stop.abort();
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pool.runner.residentCount).toBe(1);
    await (await pool.chat(session.id, 'two')).result;
    await reading;
    expect(seen).toContain('text-delta');
    expect(seen[seen.length - 1]).toBe('turn-end');
  });

  it('closing a session under a running turn ends the turn aborted first', async () => {
    pool = new Pool({ store: fixture.store });
    const { session } = await pool.createSession(null);
    const handle = await pool.chat(session.id, '/sleep 10000 slow');
    await handle.started;
    const closed = await pool.closeSession(session.id);
    expect(closed.session.status).toBe('closed');
    expect((await handle.result).stopReason).toBe('aborted');
    const log = await readLog(fixture.store, session.id);
    expect(log[log.length - 1]).toMatchObject({ type: 'turn-end', data: { stopReason: 'aborted' } });
  });
});

describe('pool: restore', () => {
  it('restores a conversation as it was at a snapshot, state included, leaving the original alone', async () => {
    pool = new Pool({ store: fixture.store });
    const { session } = await pool.createSession(null);
    const first = await (await pool.chat(session.id, 'first')).result;
    await (await pool.chat(session.id, 'second')).result;
    const events = record(pool);
    const restored = await pool.restoreSession(session.id, first.snapshotId as string);
    expect(restored.parent).toMatchObject({ sessionId: session.id, snapshotId: first.snapshotId });
    expect(events.map((event) => event.type)).toEqual(['session.created']);
    const next = await (await pool.chat(restored.id, 'instead')).result;
    expect(next.index).toBe(2);
    const texts = (await readLog(fixture.store, restored.id)).flatMap((event) =>
      event.type === 'input' ? [event.data.text] : [],
    );
    expect(texts).toEqual(['first', 'instead']);
    expect((await pool.getSession(session.id)).turnCount).toBe(2);
    await expect(pool.restoreSession(session.id, 'snap_missing')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a fork without a snapshot id starts at the latest snapshot, not at later events', async () => {
    const summarizer = createScriptedModel(() => scriptedText('summary'));
    pool = new Pool({ store: fixture.store, compaction: { maxTokens: -1, keepTail: 1, fastModel: summarizer } });
    const { session } = await pool.createSession(null);
    await (await pool.chat(session.id, 'one')).result;
    const second = await (await pool.chat(session.id, 'two')).result;
    await pool.compactSession(session.id);
    const head = (await pool.getSession(session.id)) as { lastSeq: number };
    const fork = await pool.forkSession(session.id);
    expect(fork.parent?.snapshotId).toBe(second.snapshotId);
    expect(fork.parent?.seq).toBeLessThan(head.lastSeq);
  });
});

describe('pool: updating a session', () => {
  it('merges meta (RFC 7386), sets and clears title and model, and emits session.updated only for a change', async () => {
    pool = new Pool({ store: fixture.store });
    const events = record(pool);
    const { session } = await pool.createSession(null, { meta: { team: 'a', keep: { x: 1, y: 2 } } });
    const updated = await pool.updateSession(session.id, {
      title: 'Refunds',
      model: 'echo',
      meta: { team: null, keep: { y: null, z: 3 } },
    });
    expect(updated).toMatchObject({ title: 'Refunds', model: 'echo', meta: { keep: { x: 1, z: 3 } } });
    const cleared = await pool.updateSession(session.id, { title: null, model: null });
    expect(cleared).toMatchObject({ title: null, model: null });
    const unchanged = await pool.updateSession(session.id, { meta: { keep: { x: 1 } } });
    expect(unchanged.version).toBe(cleared.version);
    const updates = events.filter((event) => event.type === 'session.updated');
    expect(updates.map((event) => Object.keys(event.data).sort())).toEqual([
      ['meta', 'model', 'title'],
      ['model', 'title'],
    ]);
  });

  it('refuses a model that does not resolve, a meta over the limit and another app’s session, writing nothing', async () => {
    pool = new Pool({ store: fixture.store });
    const { session } = await pool.createSession(null, { meta: { note: 'kept' } });
    await expect(pool.updateSession(session.id, { model: 'nonsense:model' })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(
      pool.updateSession(session.id, { meta: { big: 'x'.repeat(2_000) } }, { maxMetaBytes: 1_000 }),
    ).rejects.toMatchObject({ code: 'payload_too_large' });
    await expect(pool.updateSession(session.id, { title: 'mine' }, { appId: 'other-app' })).rejects.toMatchObject({
      code: 'not_found',
    });
    const stored = await pool.getSession(session.id);
    expect(stored).toMatchObject({ title: null, model: null, meta: { note: 'kept' }, version: session.version });
  });
});
