/** A source of pseudo-random numbers that a seed replays exactly. */
export interface SeededRandom {
  /** The seed it was made from: print it so a failing run can be replayed. */
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  integer(min: number, max: number): number;
  /** One of `items`, each as likely. */
  pick<T>(items: readonly T[]): T;
}

/**
 * A seeded generator (mulberry32: small, fast, good enough to pick fault points, not for
 * cryptography). The same seed gives the same sequence of numbers on every machine.
 */
export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    seed: seed >>> 0,
    next,
    integer: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

/** The seed of this run: `$name` when set (to replay a failure), else a fresh one. */
export function seedFromEnvironment(name: string): number {
  const configured = process.env[name];
  if (configured !== undefined && configured !== '') {
    const seed = Number(configured);
    if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`${name} must be a whole number ≥ 0`);
    return seed >>> 0;
  }
  return Math.floor(Math.random() * 4_294_967_296);
}
