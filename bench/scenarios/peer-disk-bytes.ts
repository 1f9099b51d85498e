import type { DiskUsage, PeerFactory } from '../peers/peer.js';

/** Bytes on disk of one system after a number of turns. */
export interface PeerDiskBytesResult {
  system: string;
  turns: number;
  messages: number;
  /** Database and WAL while the system has them open. */
  bytes: DiskUsage;
  /** The database alone once its WAL is checkpointed into it. */
  checkpointedBytes: number;
  /** `checkpointedBytes` per message. */
  bytesPerMessage: number;
}

/**
 * Writes one conversation turn by turn (as an application would, not seeded in bulk) into a fresh
 * system and records its files' sizes after each count in `turnCounts` (ascending):
 * database plus WAL as they are while open, then the database after a WAL checkpoint.
 */
export async function peerDiskBytes(factory: PeerFactory, turnCounts: number[]): Promise<PeerDiskBytesResult[]> {
  const system = await factory();
  try {
    const conversation = await system.openConversation(0);
    const rows: PeerDiskBytesResult[] = [];
    let turn = 0;
    for (const turns of turnCounts) {
      while (turn < turns) await conversation.persistTurn(turn++);
      const bytes = system.bytesOnDisk();
      const checkpointedBytes = system.checkpointedBytes();
      const messages = turns * 2;
      rows.push({
        system: system.name,
        turns,
        messages,
        bytes,
        checkpointedBytes,
        bytesPerMessage: checkpointedBytes / messages,
      });
    }
    return rows;
  } finally {
    await system.dispose();
  }
}
