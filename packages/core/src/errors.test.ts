import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfabError, ERROR_CODES, errors } from './errors.js';

describe('ConfabError', () => {
  it('documents every code in docs/errors.md', () => {
    const documentation = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = new Set([...documentation.matchAll(/^\|\s*`([a-z_]+)`\s*\|/gm)].map((match) => match[1]));
    const missing = ERROR_CODES.filter((code) => !documented.has(code));
    expect(missing).toEqual([]);
    expect([...documented].filter((code) => !(ERROR_CODES as readonly string[]).includes(code as string))).toEqual([]);
  });

  it('is recognised by isInstance with or without a code, and keeps its cause', () => {
    const cause = new Error('disk on fire');
    const error = errors.unavailable('store down', { cause });
    expect(ConfabError.isInstance(error)).toBe(true);
    expect(ConfabError.isInstance(error, 'unavailable')).toBe(true);
    expect(ConfabError.isInstance(error, 'internal')).toBe(false);
    expect(ConfabError.isInstance(new Error('plain'))).toBe(false);
    expect(ConfabError.isInstance({ code: 'not_found' })).toBe(false);
    expect(error.cause).toBe(cause);
    expect(error.code).toBe('unavailable');
  });

  it('wraps foreign errors as internal and passes its own through', () => {
    const own = errors.notFound('session', 'ses_1');
    expect(ConfabError.from(own)).toBe(own);
    const wrapped = ConfabError.from(new TypeError('boom'));
    expect(wrapped.code).toBe('internal');
    expect(wrapped.message).toBe('boom');
    expect(wrapped.cause).toBeInstanceOf(TypeError);
  });
});
