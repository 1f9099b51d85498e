import { errors } from 'confab';

/** Serialises a value for a JSON column or parameter; `invalid_argument` when it is not JSON-serialisable. */
export function toJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw errors.invalidArgument('value is not JSON-serialisable', { cause: error });
  }
}

/** Deeper than any request the port carries: past it, the value may be cyclic. */
const MAX_PLAIN_DEPTH = 64;

/** Thrown inside {@link copyPlain} when a value is not plain JSON-like data. */
const NOT_PLAIN = Symbol('not plain');

/**
 * A private deep copy of a caller's argument, taken when the call is made: a SQL write runs later
 * (after a group commit's tick, a free connection or a lock), and the caller may reuse or mutate
 * its objects in the meantime. The copy `structuredClone` makes, but plain objects, arrays and
 * primitives, which is all the port's requests hold, are copied by hand: `structuredClone`
 * serialises through the structured-clone machinery and costs several times more, twice per turn.
 * Anything else (dates, byte arrays, class instances, functions, cycles) goes to
 * `structuredClone`, with its results; `invalid_argument` when the value cannot be copied.
 */
export function copyArgument<T>(value: T): T {
  try {
    return copyPlain(value, 0) as T;
  } catch {
    // Not plain data, or a getter threw: structuredClone gives the answer (or the error) it always gave.
    try {
      return structuredClone(value);
    } catch (error) {
      throw errors.invalidArgument('argument cannot be copied', { cause: error });
    }
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
  for (const key of Object.keys(value)) {
    // Assigning an own "__proto__" key would set the copy's prototype instead of copying the key.
    if (key === '__proto__') throw NOT_PLAIN;
    copy[key] = copyPlain((value as Record<string, unknown>)[key], depth + 1);
  }
  return copy;
}
