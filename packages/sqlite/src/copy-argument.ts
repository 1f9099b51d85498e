import { copyArgument as cloneArgument } from '@confab/sql-common';

/** Deeper than any request the port carries: past it, the value may be cyclic. */
const MAX_PLAIN_DEPTH = 64;

/** Thrown inside {@link copyPlain} when a value is not plain JSON-like data. */
const NOT_PLAIN = Symbol('not plain');

/**
 * A private deep copy of a caller's argument, taken when the call is made (a write runs at the
 * next group commit, and the caller may mutate its objects in the meantime). The same copy as
 * `@confab/sql-common`'s `copyArgument` (a `structuredClone`), but plain objects, arrays and
 * primitives, which is all the port's requests hold, are copied by hand: `structuredClone`
 * serialises through the structured-clone machinery and costs several times more, twice per turn.
 * Anything else (dates, byte arrays, class instances, functions, cycles) goes to
 * `structuredClone` as before, with its results and its `invalid_argument` errors.
 */
export function copyArgument<T>(value: T): T {
  try {
    return copyPlain(value, 0) as T;
  } catch {
    // Not plain data, or a getter threw: structuredClone gives the answer (or the error) it always gave.
    return cloneArgument(value);
  }
}

function copyPlain(value: unknown, depth: number): unknown {
  if (typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol') throw NOT_PLAIN;
    return value;
  }
  if (value === null) return value;
  if (depth > MAX_PLAIN_DEPTH) throw NOT_PLAIN;
  if (Array.isArray(value)) {
    const copy = new Array(value.length);
    for (let index = 0; index < value.length; index++) {
      // A hole would become undefined here but stay a hole in structuredClone's copy.
      if (!(index in value)) throw NOT_PLAIN;
      copy[index] = copyPlain(value[index], depth + 1);
    }
    return copy;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) throw NOT_PLAIN;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = copyPlain((value as Record<string, unknown>)[key], depth + 1);
  return copy;
}
