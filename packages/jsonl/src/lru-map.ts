/**
 * A bounded map that forgets its least recently used entries: beyond `capacity` entries, or beyond
 * `maxWeight` in total when entries are given a weight (e.g. their size in bytes).
 */
export class LruMap<K, V> {
  private readonly map = new Map<K, { value: V; weight: number }>();
  private totalWeight = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxWeight = Number.POSITIVE_INFINITY,
  ) {}

  get(key: K): V | undefined {
    const entry = this.map.get(key);
    if (entry !== undefined) {
      this.map.delete(key);
      this.map.set(key, entry);
    }
    return entry?.value;
  }

  /** Stores `value` as the most recent entry; `weight` counts against `maxWeight`. */
  set(key: K, value: V, weight = 0): void {
    this.delete(key);
    this.map.set(key, { value, weight });
    this.totalWeight += weight;
    while (this.map.size > this.capacity || (this.totalWeight > this.maxWeight && this.map.size > 1)) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
  }

  delete(key: K): void {
    const entry = this.map.get(key);
    if (!entry) return;
    this.totalWeight -= entry.weight;
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
    this.totalWeight = 0;
  }

  /** How many entries are held. */
  get size(): number {
    return this.map.size;
  }
}
