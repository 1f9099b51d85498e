import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEventLine, peekSeq } from './event-line.js';
import { forEachLine, forEachLineBackward, type Line } from './line-reader.js';
import { OffsetIndex } from './offset-index.js';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'confab-jsonl-lines-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function linesOf(content: string, direction: 'forward' | 'backward') {
  const path = join(directory, `${direction}-${Math.random()}.jsonl`);
  await writeFile(path, content);
  const handle = await open(path, 'r');
  const seen: { text: string; start: number; end: number; complete: boolean }[] = [];
  const visit = (line: Line) => {
    seen.push({ text: line.bytes.toString('utf8'), start: line.start, end: line.end, complete: line.complete });
    return true;
  };
  try {
    if (direction === 'forward') await forEachLine(handle, 0, visit);
    else await forEachLineBackward(handle, visit);
  } finally {
    await handle.close();
  }
  return seen;
}

describe('line reader', () => {
  // Lines longer than the 64 KiB chunk, multi-byte characters, an empty line and a torn tail.
  const long = 'é'.repeat(70_000);
  const content = `first\n${long}\n\nlast-complete\ntorn`;

  it('reads lines forward with exact byte offsets', async () => {
    const lines = await linesOf(content, 'forward');
    expect(lines.map((line) => line.text)).toEqual(['first', long, '', 'last-complete', 'torn']);
    expect(lines.map((line) => line.complete)).toEqual([true, true, true, true, false]);
    const bytes = Buffer.byteLength(content);
    expect(lines.at(-1)?.end).toBe(bytes);
    expect(lines[1]?.start).toBe(6);
    expect(lines[2]?.start).toBe(6 + Buffer.byteLength(long) + 1);
  });

  it('reads the same lines backward, newest first', async () => {
    const forward = await linesOf(content, 'forward');
    const backward = await linesOf(content, 'backward');
    expect(backward).toEqual([...forward].reverse());
  });

  it('handles empty files and a single newline', async () => {
    expect(await linesOf('', 'backward')).toEqual([]);
    expect(await linesOf('', 'forward')).toEqual([]);
    expect(await linesOf('\n', 'backward')).toEqual([{ text: '', start: 0, end: 1, complete: true }]);
  });
});

describe('event lines', () => {
  it('expose their seq in a prefix that can be read without parsing', () => {
    const line = encodeEventLine({
      seq: 1234,
      sessionId: 's',
      turn: 1,
      type: 'artifact',
      at: '2025-01-01T00:00:00.000Z',
      data: { name: 'a', value: 1 },
    });
    expect(peekSeq(line)).toBe(1234);
    expect(peekSeq(Buffer.from('{"seq":12'))).toBeNull();
    expect(peekSeq(Buffer.from('{"seq":x,'))).toBeNull();
    expect(peekSeq(Buffer.from('garbage'))).toBeNull();
  });
});

describe('offset index', () => {
  it('finds the nearest known line start at or before a seq, and stays sparse', () => {
    const index = new OffsetIndex();
    for (let seq = 1; seq <= 10_000; seq++) index.note(seq, seq * 100);
    expect(index.floor(0)).toBeNull();
    const near = index.floor(5000);
    expect(near?.seq).toBeLessThanOrEqual(5000);
    expect(5000 - (near?.seq ?? 0)).toBeLessThan(64);
    expect(near?.offset).toBe((near?.seq ?? 0) * 100);
  });
});
