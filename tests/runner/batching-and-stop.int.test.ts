import { ConfabError, defineAgent, Runner, type StreamEvent } from 'confab';
import { createEchoModel, createScriptedModel } from 'confab/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, createSqliteFixture, eventually, persisted, readLog } from '../support/sqlite-fixture.js';

let fixture: Awaited<ReturnType<typeof createSqliteFixture>>;
beforeEach(async () => {
  fixture = await createSqliteFixture();
});
afterEach(async () => {
  await fixture.dispose();
});

const newSession = async () => (await fixture.store.createSession({ appId: 'app' })).session;

describe('batched inputs', () => {
  it('waits for the batched-turn admission, counts the turn, and closes while a drain still waits for it', async () => {
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model: createEchoModel() }) });
    const admitted: string[] = [];
    let released = 0;
    let admit: (() => void) | null = null;
    runner.setBatchedTurnAdmission(async (sessionId) => {
      await new Promise<void>((resolve) => {
        admit = resolve;
      });
      admitted.push(sessionId);
      return () => {
        released += 1;
      };
    });
    const session = await newSession();
    await runner.send(session.id, 'held back');
    await eventually(() => admit !== null);
    expect((await fixture.store.getSession(session.id))?.turnCount).toBe(0);
    admit!();
    await eventually(async () => (await fixture.store.getSession(session.id))?.turnCount === 1 && released === 1);
    expect(admitted).toEqual([session.id]);

    // A drain whose admission answers only on a timer: closing must not spin past that timer.
    runner.setBatchedTurnAdmission(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return () => undefined;
    });
    await runner.send(session.id, 'admitted on a timer');
    await runner.close();
    expect((await fixture.store.getSession(session.id))?.turnCount).toBe(2);
  });

  it('combines the 20 inputs sent during a slow turn into the next turn, each consumed once', async () => {
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model: createEchoModel() }) });
    const session = await newSession();
    await runner.send(session.id, '/sleep 300 slow one');
    await eventually(async () => (await fixture.store.getSession(session.id))?.turnCount === 1);
    const sent = [];
    for (let index = 0; index < 20; index++) sent.push((await runner.send(session.id, `message ${index}`)).input.id);
    await eventually(
      async () => (await fixture.store.countPendingInputs(session.id)) === 0 && !runner.session(session.id).busy,
    );
    const ends = (await readLog(fixture.store, session.id)).filter((event) => event.type === 'turn-end');
    expect(ends.map((event) => event.data.inputCount)).toEqual([1, 20]);
    expect(ends[1]?.data.inputIds).toEqual(sent);
    const second = (await readLog(fixture.store, session.id)).filter((event) => event.turn === 2);
    const message = second.find((event) => event.type === 'message');
    expect(message?.data).toMatchObject({ text: `echo: ${sent.map((_, index) => `message ${index}`).join('\n')}` });
  });

  it('respects maxBatch and never consumes an input twice', async () => {
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model: createEchoModel() }), maxBatch: 4 });
    const session = await newSession();
    const ids = await Promise.all(Array.from({ length: 10 }, (_, index) => runner.send(session.id, `m${index}`)));
    await eventually(
      async () => (await fixture.store.countPendingInputs(session.id)) === 0 && !runner.session(session.id).busy,
    );
    const log = await readLog(fixture.store, session.id);
    const counts = log.filter((event) => event.type === 'turn-end').map((event) => event.data.inputCount);
    expect(counts.every((count) => count <= 4)).toBe(true);
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(10);
    const consumed = log.flatMap((event) => (event.type === 'input' ? [event.data.inputId] : []));
    expect(consumed.sort()).toEqual(ids.map((entry) => entry.input.id).sort());
  });
});

describe('stop and timeouts', () => {
  it('stop mid-stream aborts the model, keeps the partial text and ends aborted', async () => {
    const model = createScriptedModel([
      { parts: [{ text: 'Hello, this is the start' }, { delayMs: 5_000 }, { text: ' never sent' }] },
    ]);
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model }) });
    const session = await newSession();
    const handle = runner.run(session.id, 'talk');
    const seen: StreamEvent[] = [];
    let stopped: Promise<boolean> | null = null;
    for await (const event of handle) {
      seen.push(event);
      if (event.type === 'text-delta' && seen.filter((entry) => entry.type === 'text-delta').length === 1) {
        // The answer comes once the turn has ended: true, since it ends aborted.
        stopped = runner.stop(session.id);
      }
    }
    expect(await stopped).toBe(true);
    const result = await handle.result;
    expect(result.stopReason).toBe('aborted');
    const message = result.events.find((event) => event.type === 'message');
    const streamed = seen.flatMap((event) => (event.type === 'text-delta' ? [event.data.delta] : [])).join('');
    // Exactly what was streamed before the stop is kept: a non-empty prefix of the model's text.
    expect(message?.data).toMatchObject({ text: streamed });
    expect('Hello, this is the start'.startsWith(streamed) && streamed.length > 0).toBe(true);
    expect(result.durationMs).toBeLessThan(4_000);
    expect(await runner.stop(session.id)).toBe(false);
  });

  it('a stop before any text writes no message', async () => {
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model: createEchoModel() }) });
    const session = await newSession();
    const handle = runner.run(session.id, '/sleep 5000 too late');
    await handle.started;
    void runner.stop(session.id);
    const result = await handle.result;
    expect(result.stopReason).toBe('aborted');
    expect(result.events.map((event) => event.type)).toEqual(['turn-start', 'input', 'turn-end']);
  });

  it('the per-turn timeout ends the turn with stopReason timeout', async () => {
    const model = createScriptedModel([{ parts: [{ delayMs: 5_000 }, { text: 'late' }] }, { parts: [{ text: 'ok' }] }]);
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model }) });
    const session = await newSession();
    const result = await runner.run(session.id, 'slow', { timeoutMs: 50 }).result;
    expect(result.durationMs).toBeLessThan(4_000);
    expect(result.stopReason).toBe('timeout');
    const next = await runner.run(session.id, 'again').result;
    expect(next.stopReason).toBe('stop');
  });

  it('a turn that cannot start within its wait answers turn_in_progress and consumes nothing', async () => {
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model: createEchoModel() }) });
    const session = await newSession();
    const slow = runner.run(session.id, '/sleep 400 slow');
    await slow.started;
    const impatient = runner.run(session.id, 'hurry', { waitMs: 50 });
    await expect(impatient.result).rejects.toMatchObject({ code: 'turn_in_progress' });
    const patient = runner.run(session.id, 'later');
    expect((await patient.result).index).toBe(2);
    expect((await slow.result).index).toBe(1);
    const texts = (await readLog(fixture.store, session.id)).flatMap((event) =>
      event.type === 'input' ? [event.data.text] : [],
    );
    expect(texts).toEqual(['/sleep 400 slow', 'later']);
  });

  it('turns sent concurrently run one at a time in arrival order', async () => {
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model: createEchoModel() }) });
    const session = await newSession();
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((text) => runner.run(session.id, text).result));
    expect(results.map((result) => result.index)).toEqual([1, 2, 3, 4]);
    const log = await readLog(fixture.store, session.id);
    let open = 0;
    for (const event of log) {
      if (event.type === 'turn-start') open++;
      if (event.type === 'turn-end') open--;
      expect(open).toBeLessThanOrEqual(1);
    }
  });
});

describe('subscriptions', () => {
  it('a reader joining mid-turn gets the persisted events and the missed deltas, each once, in order', async () => {
    const model = createScriptedModel([
      { parts: [{ text: 'abcdefghij', chunkSize: 2 }, { delayMs: 100 }, { text: 'KLMNOP', chunkSize: 3 }] },
    ]);
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model }) });
    const session = await newSession();
    const handle = runner.run(session.id, 'go');
    const own: StreamEvent[] = [];
    let joined: Promise<StreamEvent[]> | null = null;
    const stop = new AbortController();
    for await (const event of handle) {
      own.push(event);
      if (event.type === 'text-delta' && !joined) {
        joined = (async () => {
          const seen: StreamEvent[] = [];
          for await (const live of runner.subscribe(session.id, { seq: 0 }, stop.signal)) {
            seen.push(live);
            if (live.type === 'turn-end') stop.abort();
          }
          return seen;
        })();
      }
    }
    const seen = await (joined as unknown as Promise<StreamEvent[]>);
    const key = (event: StreamEvent) => ('sub' in event ? `${event.seq}.${event.sub}` : `${event.seq}`);
    expect(new Set(seen.map(key)).size).toBe(seen.length);
    expect(persisted(seen)).toEqual(persisted(own));
    const text = seen.flatMap((event) => (event.type === 'text-delta' ? [event.data.delta] : [])).join('');
    expect(text).toBe('abcdefghijKLMNOP');
    const messages = persisted(seen).flatMap((event) => (event.type === 'message' ? [event.data.text] : []));
    expect(messages).toEqual(['abcdefghij', 'KLMNOP']);
  });

  it('resumes from a position after the turn ended without replaying its deltas', async () => {
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model: createEchoModel() }) });
    const session = await newSession();
    const events = await collect(runner.run(session.id, 'hello'));
    const stop = new AbortController();
    const seen: StreamEvent[] = [];
    const reading = (async () => {
      for await (const event of runner.subscribe(session.id, { seq: 2, sub: 1 }, stop.signal)) {
        seen.push(event);
        if (event.type === 'turn-end') stop.abort();
      }
    })();
    await reading;
    expect(seen).toEqual(persisted(events).filter((event) => event.seq > 2));
  });
});

describe('a drain that fails on the store', () => {
  it('is retried, so a queued input is not left pending until the next one arrives', async () => {
    const failures: unknown[] = [];
    const runner = new Runner({
      store: fixture.store,
      logic: defineAgent({ model: createEchoModel() }),
      onError: (error) => failures.push(error),
    });
    const session = await newSession();
    const claim = fixture.store.claimInputs.bind(fixture.store);
    let failing = true;
    fixture.store.claimInputs = async (...args) => {
      if (failing) {
        failing = false;
        throw new ConfabError('unavailable', 'the database restarted');
      }
      return claim(...args);
    };
    const { input } = await runner.send(session.id, 'queued while the store fails');
    await eventually(async () => (await fixture.store.getInput(session.id, input.id))?.status === 'consumed', 10_000);
    expect(failures).toHaveLength(1);
    expect(await fixture.store.countPendingInputs(session.id)).toBe(0);
  });
});
