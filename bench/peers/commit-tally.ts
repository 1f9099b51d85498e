import type { PeerSystem } from './peer.js';

/**
 * Adds up each system's SQLite commits over the stretches it is asked to count. A system whose
 * `commits()` answers null (it cannot count) stays null; `perTurn` divides by the turns counted.
 */
export class CommitTally {
  private readonly counted = new Map<PeerSystem, number | null>();

  /** Runs `body` and adds the commits `system` made meanwhile. */
  async count<T>(system: PeerSystem, body: () => Promise<T>): Promise<T> {
    const before = system.commits();
    const result = await body();
    const after = system.commits();
    const sum = this.counted.get(system) ?? 0;
    this.counted.set(system, before === null || after === null || sum === null ? null : sum + after - before);
    return result;
  }

  /** Commits per turn over everything counted for `system`, or null when it cannot count. */
  perTurn(system: PeerSystem, turns: number): number | null {
    const sum = this.counted.get(system);
    return sum === null || sum === undefined ? null : sum / turns;
  }
}
