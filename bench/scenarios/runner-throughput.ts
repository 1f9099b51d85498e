import { defineAgent, Runner } from 'confab';
import { createEchoModel } from 'confab/testing';
import { nowMs, type Summary, summarize } from '../lib/stats.js';
import type { BenchStore } from '../lib/stores.js';

/** Turns per second through the runner (echo model, durable store). */
export interface RunnerThroughputResult {
  store: string;
  sessions: number;
  turns: number;
  turnsPerSecond: number;
}

/**
 * `sessions` sessions each run `turnsPerSession` echo turns back to back through one Runner. Every
 * turn writes three durable appends (turn-start + input, message, turn-end with a snapshot).
 */
export async function runnerThroughput(
  bench: BenchStore,
  sessions: number,
  turnsPerSession: number,
): Promise<RunnerThroughputResult> {
  const runner = new Runner({ store: bench.store, logic: defineAgent({ model: createEchoModel() }) });
  const ids: string[] = [];
  for (let index = 0; index < sessions; index++)
    ids.push((await bench.store.createSession({ appId: 'bench' })).session.id);
  const started = nowMs();
  await Promise.all(
    ids.map(async (sessionId) => {
      for (let turn = 0; turn < turnsPerSession; turn++) await runner.run(sessionId, `hello ${turn}`).result;
    }),
  );
  const seconds = (nowMs() - started) / 1000;
  await runner.close();
  return {
    store: bench.name,
    sessions,
    turns: sessions * turnsPerSession,
    turnsPerSecond: (sessions * turnsPerSession) / seconds,
  };
}

/** What the runner adds per turn on top of the store's own cost of the same writes. */
export interface RunnerOverheadResult {
  store: string;
  msPerTurn: Summary;
  msPerStoreWrites: Summary;
  overheadMs: number;
}

/**
 * One session, sequential turns: the runner's time per turn against the time of the same three
 * appends (and a lease acquire/release) done directly on the store.
 */
export async function runnerOverhead(bench: BenchStore, turns: number): Promise<RunnerOverheadResult> {
  const { store } = bench;
  const runner = new Runner({ store, logic: defineAgent({ model: createEchoModel() }) });
  const { session } = await store.createSession({ appId: 'bench' });
  const perTurn: number[] = [];
  for (let turn = 0; turn < turns; turn++) {
    const started = nowMs();
    await runner.run(session.id, `hello ${turn}`).result;
    perTurn.push(nowMs() - started);
  }
  await runner.close();
  const { session: direct } = await store.createSession({ appId: 'bench' });
  const perWrites: number[] = [];
  for (let turn = 1; turn <= turns; turn++) {
    const started = nowMs();
    const lease = await store.acquireLease(direct.id, 'bench', 15_000);
    const data = { inputIds: ['in'], inputCount: 1, model: 'echo' };
    await store.appendEvents({
      sessionId: direct.id,
      lease,
      events: [
        { type: 'turn-start', turn, data },
        { type: 'input', turn, data: { inputId: `in${turn}`, text: `hello ${turn}` } },
      ],
      update: { turnCount: turn },
    });
    await store.appendEvents({
      sessionId: direct.id,
      lease,
      events: [
        { type: 'message', turn, data: { messageId: `m${turn}`, role: 'assistant', text: `echo: hello ${turn}` } },
      ],
    });
    await store.appendEvents({
      sessionId: direct.id,
      lease,
      events: [
        {
          type: 'turn-end',
          turn,
          data: {
            snapshotId: `s${turn}`,
            inputCount: 1,
            inputIds: ['in'],
            stopReason: 'stop',
            usage: null,
            durationMs: 0,
          },
        },
      ],
      snapshot: { id: `snap_${direct.id}_${turn}` },
    });
    if (lease) await store.releaseLease(lease);
    perWrites.push(nowMs() - started);
  }
  const msPerTurn = summarize(perTurn);
  const msPerStoreWrites = summarize(perWrites);
  return { store: bench.name, msPerTurn, msPerStoreWrites, overheadMs: msPerTurn.median - msPerStoreWrites.median };
}
