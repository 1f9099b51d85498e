import { errors } from '../../errors.js';

// In `u` mode a surrogate pair is one code point above U+FFFF, so this class matches only the
// halves that stand alone — exactly the strings that have no UTF-8 form.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the two characters refused.
const UNSTORABLE = /[\u0000\ud800-\udfff]/u;

/**
 * True when `text` can be stored by every store: it has no NUL character (PostgreSQL's `text` and
 * `jsonb` refuse U+0000) and no lone UTF-16 surrogate (it has no UTF-8 form, so a UTF-8 database
 * cannot keep it faithfully). Confab refuses such text at the edge rather than storing it on some
 * stores and not on others (docs/stores.md, "Text every store keeps").
 */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/**
 * Throws `invalid_argument` naming `what` when a string anywhere in `value` — a string itself, an
 * element of an array, an object's key or value, at any depth — is not {@link isStorableText}.
 * Every store calls it (through the record builders of `session-record.ts`) before writing, so no
 * store can accept text it could not later read back or re-write.
 */
export function assertStorableText(value: unknown, what: string): void {
  const path = findUnstorableText(value);
  if (path !== null) {
    throw errors.invalidArgument(
      `${what}${path} contains a NUL character or an unpaired surrogate, which no store can keep`,
      { details: { field: `${what}${path}` } },
    );
  }
}

/** The path (`.key[0]`, empty for `value` itself) of the first unstorable string in `value`, or null. */
export function findUnstorableText(value: unknown): string | null {
  if (typeof value === 'string') return isStorableText(value) ? null : '';
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const inner = findUnstorableText(value[index]);
      if (inner !== null) return `[${index}]${inner}`;
    }
    return null;
  }
  if (ArrayBuffer.isView(value)) return null;
  for (const [key, inner] of Object.entries(value)) {
    if (!isStorableText(key)) return `[${JSON.stringify(key)}]`;
    const found = findUnstorableText(inner);
    if (found !== null) return `.${key}${found}`;
  }
  return null;
}

/**
 * `value` with every NUL and lone surrogate in its strings and keys replaced by U+FFFD (the
 * replacement character), so text Confab did not receive from a client — a model's output, a
 * server-side tool's result — is stored instead of failing the turn. Returns `value` itself when
 * nothing needed replacing.
 */
export function replaceUnstorableText<T>(value: T): T {
  if (findUnstorableText(value) === null) return value;
  return replaceIn(value) as T;
}

const REPLACEABLE = new RegExp(UNSTORABLE.source, 'gu');

function replaceIn(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(REPLACEABLE, '\ufffd');
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map(replaceIn);
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [replaceIn(key) as string, replaceIn(inner)]));
}
