import { nowMs, type Summary, summarize } from '../lib/stats.js';
import { type BenchStore, turnEvents } from '../lib/stores.js';

/** Cost of loading a session for its next turn. */
export interface ContextLoadResult {
  store: string;
  historyLength: number;
  compacted: boolean;
  eventsLoaded: number;
  msPerLoad: Summary;
}

/**
 * Builds a session of `historyLength` events (whole turns), optionally ending with a compaction
 * that keeps the last 20 events, then times `readContext` (what a turn loads) `samples` times.
 */
export async function contextLoad(
  bench: BenchStore,
  historyLength: number,
  compacted: boolean,
  samples = 50,
): Promise<ContextLoadResult> {
  const { store } = bench;
  const { session } = await store.createSession({ appId: 'bench' });
  for (let written = 0; written < historyLength; written += 1000) {
    const count = Math.min(1000, historyLength - written);
    const events = Array.from(
      { length: count },
      (_, index) => turnEvents(1 + Math.floor((written + index) / 4))[(written + index) % 4]!,
    );
    await store.appendEvents({ sessionId: session.id, events });
  }
  if (compacted) {
    await store.appendEvents({
      sessionId: session.id,
      events: [
        {
          type: 'compaction',
          turn: Math.ceil(historyLength / 4),
          data: { summary: 'the story so far', throughSeq: Math.max(0, historyLength - 20) },
        },
      ],
    });
  }
  await store.readContext(session.id);
  const durations: number[] = [];
  let eventsLoaded = 0;
  for (let sample = 0; sample < samples; sample++) {
    const started = nowMs();
    const context = await store.readContext(session.id);
    durations.push(nowMs() - started);
    eventsLoaded = context.events.length;
  }
  return { store: bench.name, historyLength, compacted, eventsLoaded, msPerLoad: summarize(durations) };
}
