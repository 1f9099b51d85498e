import { nowMs, type Summary, summarize } from '../lib/stats.js';
import { CommitTally } from '../peers/commit-tally.js';
import type { PeerFactory, PeerSystem } from '../peers/peer.js';
import { rotated, type SamplingPlan } from '../peers/sampling.js';

/** Per-turn persist cost of one system at one history length. */
export interface PeerPersistCostResult {
  system: string;
  durability: string;
  historyMessages: number;
  msPerTurn: Summary;
  /** SQLite commits per turn (fsyncs at `synchronous=FULL`), or null for a system without a count. */
  commitsPerTurn: number | null;
}

/**
 * Time to persist one chat turn into a conversation that already holds `historyMessages`
 * messages. Each round opens a fresh conversation per system (seeded in bulk), so the history
 * grows by at most `warmup + samples` turns while measured.
 */
export async function peerPersistCost(
  factories: PeerFactory[],
  historyMessages: number,
  plan: SamplingPlan,
): Promise<PeerPersistCostResult[]> {
  const systems: PeerSystem[] = [];
  try {
    for (const factory of factories) systems.push(await factory());
    const durations = new Map<PeerSystem, number[]>(systems.map((system) => [system, []]));
    const commits = new CommitTally();
    for (let round = 0; round < plan.rounds; round++) {
      for (const system of rotated(systems, round)) {
        const conversation = await system.openConversation(historyMessages);
        let turn = 0;
        while (turn < plan.warmup) await conversation.persistTurn(turn++);
        await commits.count(system, async () => {
          for (let sample = 0; sample < plan.samples; sample++) {
            const started = nowMs();
            await conversation.persistTurn(turn++);
            durations.get(system)?.push(nowMs() - started);
          }
        });
      }
    }
    return systems.map((system) => ({
      system: system.name,
      durability: system.durability,
      historyMessages,
      msPerTurn: summarize(durations.get(system) ?? []),
      commitsPerTurn: commits.perTurn(system, plan.rounds * plan.samples),
    }));
  } finally {
    for (const system of systems) await system.dispose();
  }
}
