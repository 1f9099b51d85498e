import { describe, expect, it } from 'vitest';
import { formatTable } from './table.js';
import { oneLine, shortTime } from './text.js';

describe('formatTable', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(
      formatTable(
        ['ID', 'TITLE'],
        [
          ['ses_1', 'hello'],
          ['s', 'a much longer title'],
        ],
      ),
    ).toBe(['ID     TITLE', 'ses_1  hello', 's      a much longer title'].join('\n'));
  });
});

describe('text helpers', () => {
  it('cuts to one line with an ellipsis and shortens timestamps', () => {
    expect(oneLine('a\n  b   c', 10)).toBe('a b c');
    expect(oneLine('abcdefghij', 5)).toBe('abcd…');
    expect(shortTime('2025-03-04T05:06:07.890Z')).toBe('2025-03-04 05:06:07');
    expect(shortTime(null)).toBe('-');
  });
});
