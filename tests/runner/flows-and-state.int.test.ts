import { defineFlow, Runner } from 'confab';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, createSqliteFixture, types } from '../support/sqlite-fixture.js';

let fixture: Awaited<ReturnType<typeof createSqliteFixture>>;
beforeEach(async () => {
  fixture = await createSqliteFixture();
});
afterEach(async () => {
  await fixture.dispose();
});

const newSession = async () => (await fixture.store.createSession({ appId: 'app' })).session;

describe('flows, state and snapshots', () => {
  it('a flow streams text, patches state, sets artifacts, and the turn snapshots the state', async () => {
    const flow = defineFlow(async (context) => {
      await context.patchState([{ op: 'add', path: '/count', value: context.inputs.length }]);
      await context.setArtifact('summary', { words: context.text.split(' ').length });
      const text = await context.streamText(['Got ', 'it: ', context.text]);
      return { stopReason: text ? 'stop' : 'error' };
    });
    const runner = new Runner({ store: fixture.store, logic: flow });
    const session = await newSession();
    const handle = runner.run(session.id, 'count these words');
    const streamed = await collect(handle);
    const result = await handle.result;
    expect(types(streamed)).toEqual([
      'turn-start',
      'input',
      'state-patch',
      'artifact',
      'text-delta',
      'text-delta',
      'text-delta',
      'message',
      'turn-end',
    ]);
    expect(result.events[2]?.data).toEqual({ patch: [{ op: 'add', path: '/count', value: 1 }], version: 1 });
    expect(result.events.find((event) => event.type === 'message')?.data).toMatchObject({
      text: 'Got it: count these words',
    });
    const stored = await fixture.store.getSession(session.id);
    expect(stored).toMatchObject({ state: { count: 1 }, stateVersion: 1 });
    const snapshot = await fixture.store.getSnapshot(result.snapshotId as string);
    expect(snapshot).toMatchObject({ stateVersion: 1, state: { count: 1 } });
    expect(result.events[0]?.data).toMatchObject({ model: 'flow:flow' });
  });

  it('a bad state patch fails the flow with an error event and leaves the state alone', async () => {
    const flow = defineFlow(async (context) => {
      await context.patchState([{ op: 'replace', path: '/missing/deep', value: 1 }]);
    });
    const runner = new Runner({ store: fixture.store, logic: flow });
    const session = await newSession();
    const result = await runner.run(session.id, 'x').result;
    expect(result.stopReason).toBe('error');
    expect(types(result.events)).toEqual(['turn-start', 'input', 'error', 'turn-end']);
    expect((await fixture.store.getSession(session.id))?.stateVersion).toBe(0);
  });

  it('a snapshot filter can veto snapshots; forking a snapshot restores its state', async () => {
    let turns = 0;
    const flow = defineFlow(async (context) => {
      turns++;
      await context.patchState([{ op: 'add', path: '/turn', value: turns }]);
      await context.say(`turn ${turns}`);
    });
    const runner = new Runner({
      store: fixture.store,
      logic: flow,
      snapshotFilter: ({ turn }) => turn !== 2,
    });
    const session = await newSession();
    const first = await runner.run(session.id, 'one').result;
    const second = await runner.run(session.id, 'two').result;
    const third = await runner.run(session.id, 'three').result;
    expect(first.snapshotId).not.toBeNull();
    expect(second.snapshotId).toBeNull();
    expect(third.snapshotId).not.toBeNull();
    const snapshots = await fixture.store.listSnapshots(session.id);
    expect(snapshots.map((snapshot) => snapshot.id)).toEqual([first.snapshotId, third.snapshotId]);
    expect(snapshots[1]?.parentSnapshotId).toBe(first.snapshotId);

    const fork = await fixture.store.forkSession({ sessionId: session.id, appId: 'app', snapshotId: first.snapshotId });
    expect(fork.state).toEqual({ turn: 1 });
    const continued = await runner.run(fork.id, 'branch').result;
    expect(continued.index).toBe(2);
    expect((await fixture.store.getSession(fork.id))?.state).toEqual({ turn: 4 });
    expect((await fixture.store.getSession(session.id))?.state).toEqual({ turn: 3 });
  });
});
