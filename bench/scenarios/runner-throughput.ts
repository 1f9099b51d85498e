import { defineAgent, type NewEvent, Runner } from 'confab';
import type { SessionStore } from 'confab/store';
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
 * turn makes three durable commits (lease; turn-start + input; message + turn-end with a snapshot
 * and the lease release).
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
 * One session, sequential turns: the runner's time per turn against the time of the same store
 * writes done directly: the three commits the runner makes (lease acquisition; turn-start with its
 * input queued consumed; message, turn-end, snapshot and lease release).
 * Both paths first run up to 50 untimed turns.
 */
export async function runnerOverhead(bench: BenchStore, turns: number): Promise<RunnerOverheadResult> {
  const { store } = bench;
  const runner = new Runner({ store, logic: defineAgent({ model: createEchoModel() }) });
  const { session } = await store.createSession({ appId: 'bench' });
  // Untimed turns first on both paths, so neither median is taken from code V8 has not optimised.
  const warmup = Math.min(50, turns);
  for (let turn = 0; turn < warmup; turn++) await runner.run(session.id, `warm-up ${turn}`).result;
  const perTurn: number[] = [];
  for (let turn = 0; turn < turns; turn++) {
    const started = nowMs();
    await runner.run(session.id, `hello ${turn}`).result;
    perTurn.push(nowMs() - started);
  }
  await runner.close();
  const { session: direct } = await store.createSession({ appId: 'bench' });
  for (let turn = 1; turn <= warmup; turn++) await directTurnWrites(store, direct.id, turn);
  const perWrites: number[] = [];
  for (let turn = warmup + 1; turn <= warmup + turns; turn++) {
    const started = nowMs();
    await directTurnWrites(store, direct.id, turn);
    perWrites.push(nowMs() - started);
  }
  const msPerTurn = summarize(perTurn);
  const msPerStoreWrites = summarize(perWrites);
  return { store: bench.name, msPerTurn, msPerStoreWrites, overheadMs: msPerTurn.median - msPerStoreWrites.median };
}

/** One turn's writes as the runner makes them, straight on the store. */
async function directTurnWrites(store: SessionStore, sessionId: string, turn: number): Promise<void> {
  const inputId = `in_${turn}`;
  const turnStart = [
    { type: 'turn-start', turn, data: { inputIds: [inputId], inputCount: 1, model: 'echo' } },
    { type: 'input', turn, data: { inputId, text: `hello ${turn}` } },
  ] satisfies NewEvent[];
  const message = {
    type: 'message',
    turn,
    data: { messageId: `m${turn}`, role: 'assistant', text: `echo: hello ${turn}` },
  } satisfies NewEvent;
  const turnEnd = {
    type: 'turn-end',
    turn,
    data: {
      snapshotId: `s${turn}`,
      inputCount: 1,
      inputIds: [inputId],
      stopReason: 'stop',
      usage: null,
      durationMs: 0,
    },
  } satisfies NewEvent;
  const snapshot = { id: `snap_${sessionId}_${turn}` };
  const acquired = await store.acquireLeaseReporting(sessionId, 'bench', 15_000);
  const lease = acquired?.lease;
  await store.appendFolded({
    sessionId,
    lease,
    events: turnStart,
    newInputs: [{ id: inputId, text: `hello ${turn}` }],
    update: { turnCount: turn },
  });
  await store.appendFolded({ sessionId, lease, events: [message, turnEnd], snapshot, releaseLease: true });
}
