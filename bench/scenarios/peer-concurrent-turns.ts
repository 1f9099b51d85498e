import { nowMs } from '../lib/stats.js';
import { CommitTally } from '../peers/commit-tally.js';
import type { PeerConversation, PeerFactory, PeerSystem } from '../peers/peer.js';
import { rotated } from '../peers/sampling.js';

/** Durable turns per second of one system with `conversations` conversations taking turns at once. */
export interface PeerConcurrentTurnsResult {
  system: string;
  durability: string;
  conversations: number;
  turns: number;
  /** Median over rounds. */
  turnsPerSecond: number;
  /** Every round's figure, for the spread. */
  rounds: number[];
  /** SQLite commits per turn, or null for a system without a count. */
  commitsPerTurn: number | null;
}

/**
 * `conversations` conversations (each seeded with `historyMessages` messages) each persist
 * `turnsPerConversation` turns back to back, all at once; a turn counts once the system has
 * acknowledged it, which for every system here means committed and fsynced. Repeated over
 * `rounds` rounds with the systems taking turns, so a slow spell of the machine hits them all.
 * A system can only beat one commit per turn here by sharing commits between conversations.
 */
export async function peerConcurrentTurns(
  factories: PeerFactory[],
  options: { conversations: number; turnsPerConversation: number; historyMessages: number; rounds: number },
): Promise<PeerConcurrentTurnsResult[]> {
  const systems: PeerSystem[] = [];
  try {
    for (const factory of factories) systems.push(await factory());
    const figures = new Map<PeerSystem, number[]>(systems.map((system) => [system, []]));
    const commits = new CommitTally();
    for (let round = 0; round < options.rounds; round++) {
      for (const system of rotated(systems, round)) {
        const conversations: PeerConversation[] = [];
        for (let index = 0; index < options.conversations; index++)
          conversations.push(await system.openConversation(options.historyMessages));
        // One untimed turn each, so first-use costs (prepared statements, runners) stay out.
        await Promise.all(conversations.map((conversation) => conversation.persistTurn(0)));
        const started = nowMs();
        await commits.count(system, () =>
          Promise.all(
            conversations.map(async (conversation) => {
              for (let turn = 1; turn <= options.turnsPerConversation; turn++) await conversation.persistTurn(turn);
            }),
          ),
        );
        const seconds = (nowMs() - started) / 1000;
        figures.get(system)?.push((options.conversations * options.turnsPerConversation) / seconds);
      }
    }
    const turns = options.rounds * options.conversations * options.turnsPerConversation;
    return systems.map((system) => {
      const rounds = figures.get(system) ?? [];
      const sorted = [...rounds].sort((a, b) => a - b);
      return {
        system: system.name,
        durability: system.durability,
        conversations: options.conversations,
        turns,
        turnsPerSecond: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
        rounds,
        commitsPerTurn: commits.perTurn(system, turns),
      };
    });
  } finally {
    for (const system of systems) await system.dispose();
  }
}
