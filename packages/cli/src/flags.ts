import { CliError } from './cli-error.js';

/**
 * The whole number ≥ 1 of flag `name` (`fallback` when not given); anything else → {@link CliError}
 * naming the flag, since commander hands every value over as a string.
 */
export function parsePositiveInteger(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new CliError(`${name} must be a whole number of at least 1, got "${text}"`);
  }
  return Number(text);
}

/** `text` when it is one of `allowed`, else a {@link CliError} listing them. */
export function parseChoice<T extends string>(
  text: string | undefined,
  name: string,
  allowed: readonly T[],
): T | undefined {
  if (text === undefined) return undefined;
  if ((allowed as readonly string[]).includes(text)) return text as T;
  throw new CliError(`${name} must be one of ${allowed.join(', ')}, got "${text}"`);
}
