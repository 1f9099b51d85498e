import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import { ConfabError, errors } from 'confab';

/** An upload being received: its bytes as they arrive, and what the request says of them. */
export interface UploadSource {
  /** The file's bytes, read from the request body on demand; throws `invalid_argument` when it breaks off or is empty. */
  data: AsyncIterable<Uint8Array>;
  mediaType: string;
  name: string | null;
}

const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** The media type of a `Content-Type` value without parameters; unusable ones become octet-stream. */
export function mediaTypeOf(contentType: string): string {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return MEDIA_TYPE.test(type) ? type : 'application/octet-stream';
}

/** Reading the body failed (the client went away, or sent a broken chunked body): the client's fault. */
function unreadable(error: unknown): ConfabError {
  if (ConfabError.isInstance(error)) return error;
  return errors.invalidArgument('the request body could not be read', { cause: error });
}

/** Yields `chunks`, turning a read failure into `invalid_argument` and refusing an empty file. */
async function* nonEmpty(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let size = 0;
  try {
    for await (const chunk of chunks) {
      size += chunk.byteLength;
      yield chunk;
    }
  } catch (error) {
    throw unreadable(error);
  }
  if (size === 0) throw errors.invalidArgument('the file is empty');
}

/**
 * What is read past (and dropped) of a refused upload's body before the connection is cut: a
 * client that sent a little too much still reads its 413 on a live connection, and one sending
 * far more is stopped at once.
 */
const DRAIN_BYTES = 8 * 1024 * 1024;

/** The body's chunks; a reader that stops early has the rest drained (bounded), then cancelled. */
async function* bodyChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let complete = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        complete = true;
        return;
      }
      yield value;
    }
  } finally {
    if (!complete) void drainReader(reader);
  }
}

async function drainReader(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let left = DRAIN_BYTES;
  try {
    while (left > 0) {
      const { done, value } = await reader.read();
      if (done) return;
      left -= value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The client went away: nothing left to drain.
  }
}

/** Reads past what is left of `body` (bounded by DRAIN_BYTES), then destroys it. */
function drainReadable(body: Readable): void {
  let left = DRAIN_BYTES;
  body.on('data', (chunk: Uint8Array) => {
    left -= chunk.byteLength;
    if (left <= 0) body.destroy();
  });
  body.on('error', () => undefined);
  body.resume();
}

/** An empty body's bytes. */
async function* noBytes(): AsyncGenerator<Uint8Array> {}

/** A raw upload: the request body is the file; its `Content-Type` is the media type. */
export function rawUpload(request: Request, name: string | null): UploadSource {
  const body = request.body;
  return {
    data: nonEmpty(body ? bodyChunks(body) : noBytes()),
    mediaType: mediaTypeOf(request.headers.get('content-type') ?? ''),
    name,
  };
}

/**
 * A `multipart/form-data` upload, parsed as it streams in: resolves once the first file part starts,
 * whose bytes are then read on demand. Other fields and later file parts are read past. The data
 * ends only when the whole body was parsed, so a body that breaks off or turns malformed after the
 * file part still fails the upload. No file part, or a body that cannot be parsed → `invalid_argument`.
 */
export function multipartUpload(request: Request, name: string | null): Promise<UploadSource> {
  const contentType = request.headers.get('content-type') ?? '';
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      // Small bounds on everything that is not the file: fields are read past, never kept.
      limits: { fields: 32, fieldSize: 64 * 1024, parts: 64, headerPairs: 64 },
    });
  } catch (error) {
    return Promise.reject(errors.invalidArgument('the multipart body could not be parsed', { cause: error }));
  }
  const finished = new Promise<void>((resolve, reject) => {
    parser.once('close', resolve);
    parser.once('error', (error) =>
      reject(errors.invalidArgument('the multipart body could not be parsed', { cause: error })),
    );
  });
  // The rejection is observed by whoever reads the file; until then it must not go unhandled.
  finished.catch(() => undefined);
  const body = request.body
    ? Readable.fromWeb(request.body as unknown as NodeReadableStream<Uint8Array>)
    : Readable.from([]);
  body.once('error', (error) => parser.destroy(unreadable(error)));
  body.pipe(parser);
  return new Promise<UploadSource>((resolve, reject) => {
    let found = false;
    parser.on('file', (_field, stream, info) => {
      if (found) {
        stream.resume();
        return;
      }
      found = true;
      resolve({
        data: nonEmpty(
          fileThenEnd(stream, finished, () => {
            body.unpipe(parser);
            parser.destroy();
            drainReadable(body);
          }),
        ),
        mediaType: mediaTypeOf(info.mimeType ?? ''),
        name: name ?? (info.filename ? info.filename.slice(0, 256) : null),
      });
    });
    finished.then(
      () => {
        if (!found) reject(errors.invalidArgument('the multipart body has no file part'));
      },
      (error: unknown) => {
        if (!found) reject(error);
      },
    );
  });
}

/**
 * The file part's bytes, then waits for the rest of the body to parse (its failure fails the file).
 * A reader that stops early (the file is over its limit) has `abandon` stop reading the body.
 */
async function* fileThenEnd(
  stream: Readable,
  finished: Promise<void>,
  abandon: () => void,
): AsyncGenerator<Uint8Array> {
  let complete = false;
  try {
    try {
      for await (const chunk of stream) yield chunk as Uint8Array;
    } catch (error) {
      await finished;
      throw error;
    }
    await finished;
    complete = true;
  } finally {
    if (!complete) abandon();
  }
}
