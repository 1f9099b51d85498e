import { nowMs, type Summary, summarize } from '../lib/stats.js';
import type { PeerFactory, PeerSystem } from '../peers/peer.js';
import { rotated, type SamplingPlan } from '../peers/sampling.js';

/** Cost of one way of loading a conversation for its next turn, at one history length. */
export interface PeerLoadCostResult {
  system: string;
  loader: string;
  historyMessages: number;
  /** Records the load returned: Confab events, LangGraph messages, Agents items. */
  recordsLoaded: number;
  msPerLoad: Summary;
}

/**
 * Time to load a conversation of `historyMessages` messages for its next turn, with each of the
 * system's loaders. One conversation per system, seeded once; loads do not change it.
 */
export async function peerLoadCost(
  factories: PeerFactory[],
  historyMessages: number,
  plan: SamplingPlan,
): Promise<PeerLoadCostResult[]> {
  const systems: PeerSystem[] = [];
  try {
    for (const factory of factories) systems.push(await factory());
    const loaders: Array<{
      system: string;
      loader: string;
      load: () => Promise<number>;
      records: number;
      durations: number[];
    }> = [];
    for (const system of systems) {
      const conversation = await system.openConversation(historyMessages);
      for (const [loader, load] of Object.entries(conversation.loaders))
        loaders.push({ system: system.name, loader, load, records: 0, durations: [] });
    }
    for (let round = 0; round < plan.rounds; round++) {
      for (const entry of rotated(loaders, round)) {
        for (let warm = 0; warm < plan.warmup; warm++) await entry.load();
        for (let sample = 0; sample < plan.samples; sample++) {
          const started = nowMs();
          entry.records = await entry.load();
          entry.durations.push(nowMs() - started);
        }
      }
    }
    return loaders.map((entry) => ({
      system: entry.system,
      loader: entry.loader,
      historyMessages,
      recordsLoaded: entry.records,
      msPerLoad: summarize(entry.durations),
    }));
  } finally {
    for (const system of systems) await system.dispose();
  }
}
