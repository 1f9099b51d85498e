import { ConfabError } from '../../errors.js';
import type { FileData } from '../../model/records.js';

/** Bytes per piece the stores write, and hold at once, while storing a streamed file. */
export const FILE_CHUNK_BYTES = 1024 * 1024;

/** Options of {@link fileChunks}. */
export interface FileChunkOptions {
  /** More bytes than this → `payload_too_large`, thrown as soon as they arrive. No limit when absent. */
  maxBytes?: number;
  /** Size of the pieces yielded (the last may be shorter). Default {@link FILE_CHUNK_BYTES}. */
  chunkBytes?: number;
}

/** The `payload_too_large` error of a file over `maxBytes`. */
export function fileTooLarge(maxBytes: number): ConfabError {
  return new ConfabError('payload_too_large', `the file is over the limit of ${maxBytes} bytes`, {
    details: { maxBytes },
  });
}

async function* iterate(data: FileData): AsyncGenerator<Uint8Array> {
  if (data instanceof Uint8Array) {
    yield data;
    return;
  }
  if (Symbol.asyncIterator in data) {
    yield* data as AsyncIterable<Uint8Array>;
    return;
  }
  // A ReadableStream without async iteration (older DOM typings): read it by hand.
  const reader = (data as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Reads `data` as pieces of exactly `chunkBytes` (the last one shorter, none empty), each a fresh
 * copy the caller may keep: a store writes them one at a time and so never holds the whole file.
 * Throws `payload_too_large` as soon as more than `maxBytes` arrived, before yielding any of the
 * excess; an error of the source is rethrown as it is. Stopping early (break or a throw in the
 * consumer) cancels the source.
 */
export async function* fileChunks(data: FileData, options: FileChunkOptions = {}): AsyncGenerator<Uint8Array> {
  const chunkBytes = options.chunkBytes ?? FILE_CHUNK_BYTES;
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  let total = 0;
  let piece = new Uint8Array(chunkBytes);
  let filled = 0;
  for await (const chunk of iterate(data)) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('file data must be made of Uint8Array chunks');
    total += chunk.byteLength;
    if (total > maxBytes) throw fileTooLarge(maxBytes);
    let offset = 0;
    while (offset < chunk.byteLength) {
      const taken = Math.min(chunkBytes - filled, chunk.byteLength - offset);
      piece.set(chunk.subarray(offset, offset + taken), filled);
      filled += taken;
      offset += taken;
      if (filled === chunkBytes) {
        yield piece;
        piece = new Uint8Array(chunkBytes);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield piece.slice(0, filled);
}

/**
 * The whole of `data` as one fresh array (for a store that keeps files in memory), with the same
 * `maxBytes` check and errors as {@link fileChunks}.
 */
export async function readFileData(data: FileData, maxBytes?: number): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  let size = 0;
  for await (const piece of fileChunks(data, { maxBytes })) {
    pieces.push(piece);
    size += piece.byteLength;
  }
  if (pieces.length === 1) return pieces[0] as Uint8Array;
  const whole = new Uint8Array(size);
  let offset = 0;
  for (const piece of pieces) {
    whole.set(piece, offset);
    offset += piece.byteLength;
  }
  return whole;
}
