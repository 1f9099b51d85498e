import { defineAgent, Pool, Runner, type RuntimeObservation } from 'confab';
import { createEchoModel, createScriptedModel, scriptedText } from 'confab/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRunnerChild } from '../support/child-process.js';
import { createSqliteFixture } from '../support/sqlite-fixture.js';

let fixture: Awaited<ReturnType<typeof createSqliteFixture>>;
beforeEach(async () => {
  fixture = await createSqliteFixture();
});
afterEach(async () => {
  await fixture.dispose();
});

describe('the runtime observer', () => {
  it('is told of a lease takeover, the crash-closed turn and the turns that follow', async () => {
    const { session } = await fixture.store.createSession({ appId: 'app' });
    const child = startRunnerChild(['sleep-turn', fixture.filename, session.id]);
    await child.waitFor('started');
    child.process.kill('SIGKILL');
    await child.exited;

    const observed: RuntimeObservation[] = [];
    const runner = new Runner({
      store: fixture.store,
      logic: defineAgent({ model: createEchoModel() }),
      leaseTtlMs: 400,
      observer: (observation) => observed.push(observation),
    });
    await runner.run(session.id, 'are you there?').result;
    expect(observed.map((observation) => observation.type)).toEqual([
      'lease.takeover',
      'turn.recovered',
      'turn.ended',
      'turn.started',
      'turn.ended',
    ]);
    expect(observed[1]).toEqual({ type: 'turn.recovered', sessionId: session.id, turn: 1 });
    expect(observed[2]).toMatchObject({ type: 'turn.ended', turn: 1, stopReason: 'error', appId: 'app' });
    expect(observed[4]).toMatchObject({
      type: 'turn.ended',
      sessionId: session.id,
      turn: 2,
      stopReason: 'stop',
      usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) },
      durationMs: expect.any(Number),
    });
  });

  it('is told of a provider failure; a throwing observer never fails the turn', async () => {
    const { session } = await fixture.store.createSession({ appId: 'app' });
    const observed: RuntimeObservation[] = [];
    const runner = new Runner({
      store: fixture.store,
      logic: defineAgent({ model: createScriptedModel([{ parts: [{ throw: new Error('provider down') }] }]) }),
      observer: (observation) => {
        observed.push(observation);
        throw new Error('observer bug');
      },
    });
    const result = await runner.run(session.id, 'hello').result;
    expect(result.stopReason).toBe('error');
    expect(observed.find((observation) => observation.type === 'model.failed')).toEqual({
      type: 'model.failed',
      sessionId: session.id,
      turn: 1,
      model: 'confab:scripted',
      message: 'provider down',
    });
  });

  it('is told of automatic compactions, and of failed ones with their error', async () => {
    for (const failing of [false, true]) {
      const summarizer = createScriptedModel(() =>
        failing ? { parts: [{ throw: new Error('summarizer down') }] } : scriptedText('SUMMARY'),
      );
      const observed: RuntimeObservation[] = [];
      const pool = new Pool({
        store: fixture.store,
        compaction: { maxTokens: 50, keepTail: 2, fastModel: summarizer },
        observer: (observation) => observed.push(observation),
      });
      try {
        const { session } = await pool.createSession(null);
        for (let turn = 0; turn < 4; turn++) {
          await (await pool.chat(session.id, `message number ${turn} `.repeat(10))).result;
        }
        const compactions = observed.filter((observation) => observation.type === 'compaction');
        expect(compactions.length).toBeGreaterThan(0);
        for (const compaction of compactions) {
          expect(compaction).toMatchObject({ sessionId: session.id, automatic: true, durationMs: expect.any(Number) });
          if (failing) expect(compaction).toMatchObject({ error: expect.stringContaining('summarizer down') });
          else expect(compaction).not.toHaveProperty('error');
        }
      } finally {
        await pool.close();
      }
    }
  });
});
