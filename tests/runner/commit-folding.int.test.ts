import { defineAgent, Runner } from 'confab';
import type { AppendRequest, AppendResult } from 'confab/store';
import { createEchoModel } from 'confab/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, createSqliteFixture, persisted, readLog, types } from '../support/sqlite-fixture.js';

let fixture: Awaited<ReturnType<typeof createSqliteFixture>>;
beforeEach(async () => {
  fixture = await createSqliteFixture();
});
afterEach(async () => {
  await fixture.dispose();
});

const echoRunner = (options: Partial<ConstructorParameters<typeof Runner>[0]> = {}) =>
  new Runner({ store: fixture.store, logic: defineAgent({ model: createEchoModel() }), ...options });

describe('runner turns on a store with CommitFolding', () => {
  it('a plain turn takes three commits: lease; turn start with its input; message, turn end and lease release', async () => {
    const runner = echoRunner();
    const { session } = await fixture.store.createSession({ appId: 'app' });
    await runner.run(session.id, 'warm up').result;
    const before = fixture.store.stats.commits;
    const stream = await collect(runner.run(session.id, 'hello there'));
    expect(fixture.store.stats.commits - before).toBe(3);
    // The message is still streamed before the turn end, after its deltas, and both are durable.
    const written = types(persisted(stream));
    expect(written).toEqual(['turn-start', 'input', 'message', 'turn-end']);
    expect(stream.findIndex((event) => event.type === 'text-delta')).toBeLessThan(
      stream.findIndex((event) => event.type === 'message'),
    );
    expect(types(await readLog(fixture.store, session.id))).toEqual([...written, ...written]);
    const [input] = persisted(stream).filter((event) => event.type === 'input');
    const inputId = input?.type === 'input' ? input.data.inputId : '';
    expect(await fixture.store.getInput(session.id, inputId)).toMatchObject({ status: 'consumed', consumedSeq: 6 });
    expect(await fixture.store.getLease(session.id)).toBeNull();
    await runner.close();
  });

  it('a retried idempotency key replays the first turn without running another', async () => {
    const runner = echoRunner();
    const { session } = await fixture.store.createSession({ appId: 'app' });
    const first = await runner.run(session.id, { text: 'once', idempotencyKey: 'key-1' }).result;
    const again = await runner.run(session.id, { text: 'once', idempotencyKey: 'key-1' }).result;
    expect(again.index).toBe(first.index);
    expect(again.events).toEqual(first.events);
    expect((await fixture.store.getSession(session.id))?.turnCount).toBe(1);
    await runner.close();
  });

  it('a batched turn that fails to start puts its claimed inputs back before giving up the lease', async () => {
    const failures: unknown[] = [];
    const runner = echoRunner({ onError: (error) => failures.push(error) });
    const { session } = await fixture.store.createSession({ appId: 'app' });
    const original = fixture.store.appendEvents.bind(fixture.store);
    let failStart = true;
    fixture.store.appendEvents = async (request: AppendRequest): Promise<AppendResult> => {
      if (failStart && request.events.some((event) => event.type === 'turn-start')) {
        failStart = false;
        throw new Error('the disk is full');
      }
      return original(request);
    };
    await fixture.store.enqueueInput(session.id, { text: 'a' });
    await fixture.store.enqueueInput(session.id, { text: 'b' });
    await expect(runner.runBatched(session.id).result).rejects.toThrow('the disk is full');
    // Released cleanly, so the next holder is not told to clean up: the holder did it itself.
    expect(await fixture.store.countPendingInputs(session.id)).toBe(2);
    const acquired = await fixture.store.acquireLeaseReporting(session.id, 'probe', 60_000);
    expect(acquired?.previous).toBe('released');
    if (acquired) await fixture.store.releaseLease(acquired.lease);
    const result = await runner.runBatched(session.id).result;
    expect(result?.inputCount).toBe(2);
    expect(await fixture.store.countPendingInputs(session.id)).toBe(0);
    expect(failures).toEqual([]);
    await runner.close();
  });

  it('claims left by a holder whose lease expired go back to the queue and are consumed once', async () => {
    const runner = echoRunner();
    const { session } = await fixture.store.createSession({ appId: 'app' });
    await fixture.store.enqueueInput(session.id, { text: 'left behind' });
    const dead = await fixture.store.acquireLease(session.id, 'dead-process', 30);
    expect(dead).not.toBeNull();
    const claimed = await fixture.store.claimInputs(session.id, { max: 10, claimToken: 'dead-process:1' });
    expect(claimed).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const result = await runner.runBatched(session.id).result;
    expect(result?.inputIds).toEqual([claimed[0]?.id]);
    const inputs = (await readLog(fixture.store, session.id)).filter((event) => event.type === 'input');
    expect(inputs).toHaveLength(1);
    await runner.close();
  });
});
