import { ConfabError, defineAgent, Runner, type SessionEvent, tool } from 'confab';
import type { AppendRequest, AppendResult } from 'confab/store';
import { createScriptedModel, scriptedText, scriptedToolCall } from 'confab/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSqliteFixture, readLog, types } from '../support/sqlite-fixture.js';

// Issue 15: a store failure during a resumed turn was left to recovery (the client got a 503 for a
// turn that had gone on). Like a new turn, it is now closed at once in one append, or answered
// from the log; a resume whose answers never committed still fails, so it can be retried.

let fixture: Awaited<ReturnType<typeof createSqliteFixture>>;
beforeEach(async () => {
  fixture = await createSqliteFixture();
});
afterEach(async () => {
  await fixture.dispose();
});

/** Makes the next append whose events include `type` fail with `unavailable`, before it commits. */
function failNextAppendOf(type: SessionEvent['type']): () => boolean {
  let armed = true;
  const wrap =
    <Request extends AppendRequest>(append: (request: Request) => Promise<AppendResult>) =>
    async (request: Request) => {
      if (armed && request.events.some((event) => event.type === type)) {
        armed = false;
        throw new ConfabError('unavailable', 'database unreachable');
      }
      return append(request);
    };
  fixture.store.appendEvents = wrap(fixture.store.appendEvents.bind(fixture.store));
  fixture.store.appendFolded = wrap(fixture.store.appendFolded.bind(fixture.store));
  return () => armed;
}

async function interruptedSession() {
  const calls: string[] = [];
  const weather = tool({
    description: 'weather',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      calls.push(city);
      return { city, forecast: 'sunny' };
    },
  });
  const model = createScriptedModel([
    scriptedToolCall('weather', { city: 'Lisbon' }, { toolCallId: 'c1' }),
    scriptedText('done'),
    scriptedText('next turn'),
  ]);
  const runner = new Runner({
    store: fixture.store,
    logic: defineAgent({ model, tools: { weather }, approval: { weather: 'always' } }),
    leaseTtlMs: 200,
  });
  const session = (await fixture.store.createSession({ appId: 'app' })).session;
  const first = await runner.run(session.id, 'weather?').result;
  expect(first.stopReason).toBe('interrupted');
  return { runner, session, calls };
}

describe('store failures during a resumed turn', () => {
  it('close the turn at once with one unavailable error and its turn-end', async () => {
    const { runner, session, calls } = await interruptedSession();
    failNextAppendOf('message');
    const resumed = await runner.resume(session.id, { approvals: [{ toolCallId: 'c1', approved: true }] }).result;
    expect(resumed.stopReason).toBe('error');
    expect(types(resumed.events).slice(-4)).toEqual(['tool-approval', 'tool-result', 'error', 'turn-end']);
    expect(resumed.events.at(-2)?.data).toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('store failed'),
    });
    expect(calls).toEqual(['Lisbon']);
    const after = await fixture.store.getSession(session.id);
    expect(after?.pendingInterrupt).toBe(false);
    const next = await runner.run(session.id, 'again').result;
    expect(next.stopReason).toBe('stop');
    const log = await readLog(fixture.store, session.id);
    // One closing error, not a second one from recovery.
    expect(log.filter((event) => event.type === 'error')).toHaveLength(1);
    expect(
      log
        .filter((event) => event.type === 'turn-end')
        .map((event) => event.type === 'turn-end' && event.data.stopReason),
    ).toEqual(['interrupted', 'error', 'stop']);
  });

  it('a resume whose answers were not written fails with unavailable and can be retried', async () => {
    const { runner, session, calls } = await interruptedSession();
    failNextAppendOf('tool-approval');
    await expect(
      runner.resume(session.id, { approvals: [{ toolCallId: 'c1', approved: true }] }).result,
    ).rejects.toMatchObject({ code: 'unavailable' });
    expect((await fixture.store.getSession(session.id))?.pendingInterrupt).toBe(true);
    expect(calls).toEqual([]);
    const retried = await runner.resume(session.id, { approvals: [{ toolCallId: 'c1', approved: true }] }).result;
    expect(retried.stopReason).toBe('stop');
    expect(calls).toEqual(['Lisbon']);
    const log = await readLog(fixture.store, session.id);
    expect(log.filter((event) => event.type === 'error')).toHaveLength(0);
  });
});
