import { nowMs, type Summary, summarize } from '../lib/stats.js';
import { type BenchStore, turnEvents } from '../lib/stores.js';

/** Per-turn persist cost at one history length. */
export interface AppendCostResult {
  store: string;
  historyLength: number;
  msPerTurn: Summary;
}

/**
 * Time to append one turn (4 events, one durable commit) to a session that already holds
 * `historyLength` events. The history is written first in large batches, then `turns` single
 * turns are timed one by one.
 */
export async function appendCost(bench: BenchStore, historyLength: number, turns = 100): Promise<AppendCostResult> {
  const { store } = bench;
  const { session } = await store.createSession({ appId: 'bench' });
  for (let written = 0; written < historyLength; written += 1000) {
    const count = Math.min(1000, historyLength - written);
    const events = Array.from(
      { length: count },
      (_, index) => turnEvents(1 + Math.floor((written + index) / 4))[index % 4]!,
    );
    await store.appendEvents({ sessionId: session.id, events });
  }
  const durations: number[] = [];
  for (let turn = 0; turn < turns; turn++) {
    const started = nowMs();
    await store.appendEvents({ sessionId: session.id, events: turnEvents(historyLength + turn) });
    durations.push(nowMs() - started);
  }
  return { store: bench.name, historyLength, msPerTurn: summarize(durations) };
}
