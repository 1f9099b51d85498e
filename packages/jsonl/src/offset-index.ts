/** A known line start: the line holding `seq` begins at byte `offset`. */
export interface LinePosition {
  seq: number;
  offset: number;
}

/** Positions are remembered at most this many seqs apart... */
const STRIDE = 64;
/** ...and at most this many per file; past it every other one is dropped, doubling the stride. */
const MAXIMUM_ENTRIES = 1024;

/**
 * A sparse seq → byte-offset index of one events file, so a read can start near its first wanted
 * line instead of at the top. Positions are hints learned while appending and scanning; they are
 * kept in memory only and dropped whenever the file is rewritten.
 */
export class OffsetIndex {
  private readonly entries: LinePosition[] = [];
  private stride = STRIDE;

  /** Remembers a line start when it is far enough from its neighbours to be worth keeping. */
  note(seq: number, offset: number): void {
    const at = this.upperBound(seq);
    const before = this.entries[at - 1];
    const after = this.entries[at];
    if (before && seq - before.seq < this.stride) return;
    if (after && after.seq - seq < this.stride) return;
    this.entries.splice(at, 0, { seq, offset });
    if (this.entries.length > MAXIMUM_ENTRIES) {
      const kept = this.entries.filter((_, index) => index % 2 === 0);
      this.entries.length = 0;
      this.entries.push(...kept);
      this.stride *= 2;
    }
  }

  /** The known line start with the greatest seq ≤ `seq`, or null. */
  floor(seq: number): LinePosition | null {
    return this.entries[this.upperBound(seq) - 1] ?? null;
  }

  /** Index of the first entry whose seq is greater than `seq`. */
  private upperBound(seq: number): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.entries[middle] as LinePosition).seq <= seq) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
