import { errors } from 'confab';

/** Serialises a value for a JSON column or parameter; `invalid_argument` when it is not JSON-serialisable. */
export function toJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw errors.invalidArgument('value is not JSON-serialisable', { cause: error });
  }
}

/**
 * A private deep copy of a caller's argument, taken when the call is made: a SQL write runs later
 * (after a group commit's tick, a free connection or a lock), and the caller may reuse or mutate
 * its objects in the meantime. `invalid_argument` when the value cannot be copied.
 */
export function copyArgument<T>(value: T): T {
  try {
    return structuredClone(value);
  } catch (error) {
    throw errors.invalidArgument('argument cannot be copied', { cause: error });
  }
}
