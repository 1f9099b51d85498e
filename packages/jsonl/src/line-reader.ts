import type { FileHandle } from 'node:fs/promises';

/*
 * Line-by-line reading of append-only files with exact byte offsets, in both directions, in fixed
 * size chunks: a reader holds one chunk (plus the line crossing it) in memory, whatever the file's
 * size, and can stop as soon as it has what it needs.
 */

const NEWLINE = 0x0a;
const CHUNK_SIZE = 64 * 1024;

/** One line of a file: its bytes without the newline, and where it lies. */
export interface Line {
  bytes: Buffer;
  /** Offset of the line's first byte. */
  start: number;
  /** Offset just past the line (past its newline when it has one). */
  end: number;
  /** False for a last line without a newline: a write that a crash cut short. */
  complete: boolean;
}

/** Returns false to stop the iteration. */
export type LineVisitor = (line: Line) => boolean | undefined;

/** Visits the lines from byte `from` (a line start) to the end of the file, oldest first. */
export async function forEachLine(handle: FileHandle, from: number, visit: LineVisitor): Promise<void> {
  let position = from;
  let carry = Buffer.alloc(0);
  let carryStart = from;
  const chunk = Buffer.allocUnsafe(CHUNK_SIZE);
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, CHUNK_SIZE, position);
    if (bytesRead === 0) {
      if (carry.byteLength > 0) {
        visit({ bytes: carry, start: carryStart, end: carryStart + carry.byteLength, complete: false });
      }
      return;
    }
    position += bytesRead;
    const buffer = carry.byteLength > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk;
    const length = carry.byteLength > 0 ? buffer.byteLength : bytesRead;
    let lineStart = 0;
    for (;;) {
      const newline = buffer.indexOf(NEWLINE, lineStart);
      if (newline === -1 || newline >= length) break;
      const line: Line = {
        bytes: buffer.subarray(lineStart, newline),
        start: carryStart + lineStart,
        end: carryStart + newline + 1,
        complete: true,
      };
      if (visit(line) === false) return;
      lineStart = newline + 1;
    }
    // The chunk buffer is reused by the next read, so the unfinished line must be copied out.
    carry = Buffer.from(buffer.subarray(lineStart, length));
    carryStart += lineStart;
  }
}

/**
 * Visits the lines of the file, newest first; the first one may be incomplete (a torn write).
 *
 * Should the file shrink meanwhile (a crash recovery cutting off an uncommitted tail), the walk
 * starts over from the new end. That is harmless for visitors that look for the newest line
 * matching some test and stop there, which is the only way this is used: lines visited before the
 * restart matched nothing.
 */
export async function forEachLineBackward(handle: FileHandle, visit: LineVisitor): Promise<void> {
  for (;;) {
    const { size } = await handle.stat();
    if (await walkBackward(handle, size, visit)) return;
  }
}

/** One backward walk from `end`; false when the file turned out shorter than `end`. */
async function walkBackward(handle: FileHandle, end: number, visit: LineVisitor): Promise<boolean> {
  // `buffer` holds bytes [bufferStart, lineEnd): the unvisited part, newest line last.
  let buffer = Buffer.alloc(0);
  let bufferStart = end;
  let lineEnd = end;
  for (;;) {
    const length = lineEnd - bufferStart;
    if (length === 0 && bufferStart === 0) return true;
    // The line's own newline is its last byte, so the previous line's newline is searched before it.
    // (A negative offset would make lastIndexOf count from the end, hence the guard.)
    const newline = length >= 2 ? buffer.lastIndexOf(NEWLINE, length - 2) : -1;
    if (newline === -1 && bufferStart > 0) {
      const size = Math.min(CHUNK_SIZE, bufferStart);
      const chunk = Buffer.allocUnsafe(size);
      let read = 0;
      while (read < size) {
        const { bytesRead } = await handle.read(chunk, read, size - read, bufferStart - size + read);
        if (bytesRead === 0) return false;
        read += bytesRead;
      }
      bufferStart -= size;
      buffer = Buffer.concat([chunk, buffer]);
      continue;
    }
    const lineStart = newline + 1;
    const complete = buffer[length - 1] === NEWLINE;
    const line: Line = {
      bytes: buffer.subarray(lineStart, complete ? length - 1 : length),
      start: bufferStart + lineStart,
      end: lineEnd,
      complete,
    };
    if (visit(line) === false) return true;
    lineEnd = bufferStart + lineStart;
    buffer = buffer.subarray(0, lineStart);
  }
}
