import type { Snapshot, SnapshotWithState } from '../../model/records.js';

/** The snapshots of every session in `MemoryStore`, by id. It hands out its own records; the store copies them. */
export class MemorySnapshots {
  private readonly byId = new Map<string, SnapshotWithState>();

  get(snapshotId: string): SnapshotWithState | null {
    return this.byId.get(snapshotId) ?? null;
  }

  has(snapshotId: string): boolean {
    return this.byId.has(snapshotId);
  }

  add(snapshot: SnapshotWithState): void {
    this.byId.set(snapshot.id, snapshot);
  }

  /** A session's snapshots without their state, oldest first. */
  listOf(sessionId: string): Snapshot[] {
    return [...this.byId.values()]
      .filter((snapshot) => snapshot.sessionId === sessionId)
      .sort((a, b) => a.seq - b.seq)
      .map(({ state: _state, ...snapshot }) => snapshot);
  }

  deleteOf(sessionId: string): void {
    for (const [id, snapshot] of this.byId) if (snapshot.sessionId === sessionId) this.byId.delete(id);
  }
}
