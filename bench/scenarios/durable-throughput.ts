import { nowMs } from '../lib/stats.js';
import { type BenchStore, turnEvents } from '../lib/stores.js';

/** Durable turn appends per second with `sessions` writers at once. */
export interface ThroughputResult {
  store: string;
  sessions: number;
  turnsPerSecond: number;
  turns: number;
}

/**
 * `sessions` concurrent writers, each appending `turnsPerSession` turns (4 events each) back to
 * back; every append is acknowledged only once durable, so concurrent writers can only go faster
 * by sharing commits.
 */
export async function durableThroughput(
  bench: BenchStore,
  sessions: number,
  turnsPerSession: number,
): Promise<ThroughputResult> {
  const { store } = bench;
  const ids = [];
  for (let index = 0; index < sessions; index++) ids.push((await store.createSession({ appId: 'bench' })).session.id);
  const started = nowMs();
  await Promise.all(
    ids.map(async (sessionId) => {
      for (let turn = 1; turn <= turnsPerSession; turn++)
        await store.appendEvents({ sessionId, events: turnEvents(turn) });
    }),
  );
  const seconds = (nowMs() - started) / 1000;
  const turns = sessions * turnsPerSession;
  return { store: bench.name, sessions, turns, turnsPerSecond: turns / seconds };
}
