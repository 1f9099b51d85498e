import { ConfabError } from 'confab';
import { describe, expect, it } from 'vitest';
import { copyArgument } from './json-values.js';

describe('copyArgument', () => {
  it('copies plain data deeply, so later mutations of the original do not reach the copy', () => {
    const original = { events: [{ type: 'message', data: { text: 'hi', tags: ['a'] } }], lease: null, n: 1 };
    const copy = copyArgument(original);
    expect(copy).toEqual(original);
    original.events[0]!.data.tags.push('b');
    original.n = 2;
    expect(copy).toEqual({ events: [{ type: 'message', data: { text: 'hi', tags: ['a'] } }], lease: null, n: 1 });
  });

  it('copies what is not plain data as structuredClone does', () => {
    const at = new Date(0);
    const bytes = new Uint8Array([1, 2]);
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const sparse = [1, 2, 3];
    delete sparse[1];
    const copy = copyArgument({ at, bytes, cyclic, sparse });
    expect(copy.at).toBeInstanceOf(Date);
    expect(copy.at).not.toBe(at);
    expect(copy.bytes).toEqual(bytes);
    expect(copy.cyclic.self).toBe(copy.cyclic);
    expect(1 in copy.sparse).toBe(false);
  });

  it('keeps an own "__proto__" key as a key, as structuredClone does, instead of setting the prototype', () => {
    const original = JSON.parse('{"meta":{"__proto__":{"admin":true},"name":"x"}}');
    const copy = copyArgument(original);
    expect(Object.getPrototypeOf(copy.meta)).toBe(Object.prototype);
    expect(copy.meta.admin).toBeUndefined();
    expect(JSON.stringify(copy)).toBe(JSON.stringify(original));
  });

  it('refuses what cannot be copied with invalid_argument', () => {
    expect(() => copyArgument({ run: () => undefined })).toThrow(ConfabError);
    try {
      copyArgument({ run: () => undefined });
    } catch (error) {
      expect(ConfabError.isInstance(error, 'invalid_argument')).toBe(true);
    }
  });
});
