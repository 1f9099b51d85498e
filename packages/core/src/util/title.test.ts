import { describe, expect, it } from 'vitest';
import { deriveTitle } from './title.js';

describe('deriveTitle', () => {
  it('keeps short text, collapsing whitespace', () => {
    expect(deriveTitle('  Plan   a\n day ')).toBe('Plan a day');
    expect(deriveTitle('x'.repeat(60))).toBe('x'.repeat(60));
    expect(deriveTitle('   ')).toBeNull();
  });

  it('cuts at the last word boundary within 59 code points', () => {
    const text = `${'word '.repeat(15)}end`;
    const title = deriveTitle(text) as string;
    expect(title.endsWith('…')).toBe(true);
    expect(Array.from(title).length).toBeLessThanOrEqual(60);
    expect(title).toBe(`${'word '.repeat(12).trimEnd()}…`);
  });

  it('keeps only the first word when the second is very long', () => {
    expect(deriveTitle(`hi ${'a'.repeat(80)}`)).toBe('hi…');
  });

  it('cuts a single overlong word hard at 59', () => {
    expect(deriveTitle('b'.repeat(100))).toBe(`${'b'.repeat(59)}…`);
  });

  it('counts code points, not UTF-16 units', () => {
    const emoji = '😀'.repeat(70);
    expect(deriveTitle(emoji)).toBe(`${'😀'.repeat(59)}…`);
  });

  it('uses a word that ends exactly at 59 code points', () => {
    const first = 'a'.repeat(59);
    expect(deriveTitle(`${first} more words here`)).toBe(`${first}…`);
  });
});
