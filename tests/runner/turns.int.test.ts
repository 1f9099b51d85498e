import { ConfabError, defineAgent, Runner, type SessionEvent } from 'confab';
import type { AppendRequest, AppendResult } from 'confab/store';
import { createEchoModel, createScriptedModel, scriptedText } from 'confab/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, createSqliteFixture, persisted, readLog, types } from '../support/sqlite-fixture.js';

let fixture: Awaited<ReturnType<typeof createSqliteFixture>>;
beforeEach(async () => {
  fixture = await createSqliteFixture();
});
afterEach(async () => {
  await fixture.dispose();
});

const newSession = async () => (await fixture.store.createSession({ appId: 'app' })).session;

describe('a turn', () => {
  it('streams deltas and persists turn-start, input, message and turn-end in order', async () => {
    const runner = new Runner({
      store: fixture.store,
      logic: defineAgent({ model: createEchoModel({ chunkSize: 4 }) }),
    });
    const session = await newSession();
    const handle = runner.run(session.id, 'Plan a day in Lisbon');
    const streamed = await collect(handle);
    const result = await handle.result;

    const deltas = streamed.filter((event) => event.type === 'text-delta');
    expect(deltas.length).toBeGreaterThanOrEqual(2);
    expect(deltas.map((event) => (event.type === 'text-delta' ? event.data.delta : '')).join('')).toBe(
      'echo: Plan a day in Lisbon',
    );
    expect(types(persisted(streamed))).toEqual(['turn-start', 'input', 'message', 'turn-end']);
    const log = await readLog(fixture.store, session.id);
    expect(log).toEqual(persisted(streamed));
    expect(result.events).toEqual(log);
    const [start, input, message, end] = log as [SessionEvent, SessionEvent, SessionEvent, SessionEvent];
    expect(start).toMatchObject({ seq: 1, turn: 1, data: { inputCount: 1, model: 'confab:echo' } });
    expect(input.data).toMatchObject({ text: 'Plan a day in Lisbon' });
    expect(message.data).toMatchObject({ role: 'assistant', text: 'echo: Plan a day in Lisbon' });
    expect(end.data).toMatchObject({ stopReason: 'stop', inputCount: 1, snapshotId: result.snapshotId });
    expect(result).toMatchObject({ index: 1, inputCount: 1, stopReason: 'stop' });
    expect(result.inputIds).toEqual([(input.data as { inputId: string }).inputId]);
    // Deltas are numbered after the last persisted event.
    expect(deltas.every((event) => 'sub' in event && event.seq === 2)).toBe(true);
    expect(deltas.map((event) => ('sub' in event ? event.sub : 0))).toEqual(deltas.map((_, index) => index + 1));

    const stored = await fixture.store.getSession(session.id);
    expect(stored).toMatchObject({ turnCount: 1, title: 'Plan a day in Lisbon', pendingInterrupt: false });
    const snapshot = await fixture.store.getSnapshot(result.snapshotId as string);
    expect(snapshot).toMatchObject({ seq: end.seq, turn: 1 });
  });

  it('commits the inputs and turn-start before the model is called', async () => {
    let seenByModel: string[] = [];
    const model = createScriptedModel(async () => {
      seenByModel = (await readLog(fixture.store, session.id)).map((event) => event.type);
      return scriptedText('ok');
    });
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model }) });
    const session = await newSession();
    await runner.run(session.id, 'hello').result;
    expect(seenByModel).toEqual(['turn-start', 'input']);
    expect(model.calls[0]?.prompt).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'hello' }], providerOptions: { confab: { turn: 1 } } },
    ]);
  });

  it('gives the model the whole conversation on the next turn', async () => {
    const model = createScriptedModel([scriptedText('first answer'), scriptedText('second answer')]);
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model, system: 'be brief' }) });
    const session = await newSession();
    await runner.run(session.id, 'one').result;
    const second = await runner.run(session.id, 'two').result;
    expect(second.index).toBe(2);
    expect(model.calls[1]?.prompt).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'one' }], providerOptions: { confab: { turn: 1 } } },
      { role: 'assistant', content: [{ type: 'text', text: 'first answer' }] },
      { role: 'user', content: [{ type: 'text', text: 'two' }], providerOptions: { confab: { turn: 2 } } },
    ]);
  });

  it('a retried turn with the same idempotency key runs once and answers the same', async () => {
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model: createEchoModel() }) });
    const session = await newSession();
    const first = await runner.run(session.id, { text: 'hi', idempotencyKey: 'key-1' }).result;
    const again = runner.run(session.id, { text: 'hi', idempotencyKey: 'key-1' });
    const replayed = await again.result;
    expect(replayed).toEqual({ ...first, durationMs: replayed.durationMs });
    expect(types(await collect(again))).toEqual(['turn-start', 'input', 'message', 'turn-end']);
    expect((await fixture.store.getSession(session.id))?.turnCount).toBe(1);
  });

  it('ends with stopReason error and an error event when the model fails, and stays usable', async () => {
    const model = createScriptedModel([
      { parts: [{ text: 'partial' }, { error: new Error('provider exploded') }] },
      scriptedText('fine'),
    ]);
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model }) });
    const session = await newSession();
    const failed = await runner.run(session.id, 'one').result;
    expect(failed.stopReason).toBe('error');
    expect(types(failed.events)).toEqual(['turn-start', 'input', 'message', 'error', 'turn-end']);
    expect(failed.events[3]?.data).toMatchObject({ message: expect.stringContaining('provider exploded') });
    const next = await runner.run(session.id, 'two').result;
    expect(next.stopReason).toBe('stop');
  });

  it('stores a model answer with text no store keeps (NUL, lone surrogate) with U+FFFD instead', async () => {
    const runner = new Runner({
      store: fixture.store,
      logic: defineAgent({ model: createScriptedModel([scriptedText('bad\u0000 text \ud800!')]) }),
    });
    const session = await newSession();
    const result = await runner.run(session.id, 'say something odd').result;
    expect(result.stopReason).toBe('stop');
    const message = result.events.find((event) => event.type === 'message');
    expect(message?.data).toMatchObject({ text: 'bad\ufffd text \ufffd!' });
    const log = await readLog(fixture.store, session.id);
    expect(log.find((event) => event.type === 'message')?.data).toMatchObject({ text: 'bad\ufffd text \ufffd!' });
  });

  it('refuses turns on closed and archived sessions', async () => {
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model: createEchoModel() }) });
    const closed = await newSession();
    await fixture.store.closeSession(closed.id);
    await expect(runner.run(closed.id, 'x').result).rejects.toMatchObject({ code: 'session_closed' });
    const archived = await newSession();
    await fixture.store.archiveSession(archived.id);
    await expect(runner.run(archived.id, 'x').result).rejects.toMatchObject({ code: 'failed_precondition' });
    expect(await fixture.store.countPendingInputs(closed.id)).toBe(0);
  });
});

describe('store failures during a turn', () => {
  it('are not reported as model errors: the turn is closed at once with an unavailable error, once', async () => {
    const model = createScriptedModel([scriptedText('first'), scriptedText('second')]);
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model }), leaseTtlMs: 200 });
    const session = await newSession();
    let failNext = false;
    // The message is written by whichever append the runner uses for it (a plain or a folded one).
    const failMessage =
      <Request extends AppendRequest>(append: (request: Request) => Promise<AppendResult>) =>
      async (request: Request) => {
        if (failNext && request.events.some((event) => event.type === 'message')) {
          failNext = false;
          throw new ConfabError('unavailable', 'database unreachable');
        }
        return append(request);
      };
    fixture.store.appendEvents = failMessage(fixture.store.appendEvents.bind(fixture.store));
    fixture.store.appendFolded = failMessage(fixture.store.appendFolded.bind(fixture.store));
    failNext = true;
    // The turn's input is in the log: it is answered with the turn, closed by the runner itself
    // (one error naming the store failure, then its turn-end), not with a bare 503.
    const failed = await runner.run(session.id, 'one').result;
    expect(failed.stopReason).toBe('error');
    expect(types(failed.events)).toEqual(['turn-start', 'input', 'error', 'turn-end']);
    expect(failed.events[2]?.data).toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('store failed'),
    });
    const next = await runner.run(session.id, 'two').result;
    expect(next.stopReason).toBe('stop');
    const log = await readLog(fixture.store, session.id);
    const errorsLogged = log.filter((event) => event.type === 'error').map((event) => JSON.stringify(event.data));
    expect(errorsLogged.some((text) => text.includes('model error'))).toBe(false);
    expect(
      log
        .filter((event) => event.type === 'turn-end')
        .map((event) => event.type === 'turn-end' && event.data.stopReason),
    ).toEqual(['error', 'stop']);
  });
});
