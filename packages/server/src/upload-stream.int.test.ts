import { request } from 'node:http';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from './test-support/harness.js';

// Issue 15: uploads were read whole into memory before the store saw them. They now stream into
// the store; one over the limit, malformed, or broken off must leave nothing stored.

const MIB = 1024 * 1024;
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ app: { limits: { maxFileBytes: 3 * MIB, uploadBytesPerMinute: 0 } } });
});
afterAll(() => t.close());

/** Rows of uploads in the server's SQLite file: records and chunks. */
function storedRows(): { files: number; chunks: number } {
  const database = new Database(t.filename, { readonly: true });
  try {
    const count = (table: string) => database.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    return { files: count('files'), chunks: count('file_chunks') };
  } finally {
    database.close();
  }
}

function pattern(size: number, seed = 0): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index++) bytes[index] = (index * 7 + seed) % 256;
  return bytes;
}

/** A body fetch sends chunked (no Content-Length), so the limit can only be found while streaming. */
function chunkedBody(pieces: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(piece);
      controller.close();
    },
  });
}

async function postStream(body: ReadableStream<Uint8Array>, contentType = 'application/octet-stream') {
  const response = await fetch(`${t.url}/v1/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.tokens.a}`, 'content-type': contentType },
    body,
    duplex: 'half',
  } as RequestInit);
  return { status: response.status, body: (await response.json()) as { error?: { code: string }; size?: number } };
}

function multipart(parts: Array<{ field: string; filename?: string; type?: string; data: Uint8Array }>, end = true) {
  const boundary = 'confab-test-boundary';
  const pieces: Uint8Array[] = [];
  const text = (value: string) => pieces.push(new TextEncoder().encode(value));
  for (const part of parts) {
    text(`--${boundary}\r\nContent-Disposition: form-data; name="${part.field}"`);
    if (part.filename)
      text(`; filename="${part.filename}"\r\nContent-Type: ${part.type ?? 'application/octet-stream'}`);
    text('\r\n\r\n');
    pieces.push(part.data);
    text('\r\n');
  }
  if (end) text(`--${boundary}--\r\n`);
  return { pieces, contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('uploads streamed into the store', () => {
  it('stores a raw upload sent in chunks, byte for byte', async () => {
    const bytes = pattern(2 * MIB + 3);
    const answer = await postStream(chunkedBody([bytes.slice(0, MIB), bytes.slice(MIB)]));
    expect(answer.status).toBe(201);
    expect(answer.body.size).toBe(bytes.byteLength);
    const stored = await t.store.getFile('app-a', (answer.body as { fileToken: string }).fileToken);
    expect(Buffer.from(stored?.data ?? []).equals(Buffer.from(bytes))).toBe(true);
  });

  it('refuses a chunked upload over the limit with 413 while it streams, and keeps nothing', async () => {
    const before = storedRows();
    const answer = await postStream(chunkedBody([pattern(2 * MIB), pattern(2 * MIB)]));
    expect([answer.status, answer.body.error?.code]).toEqual([413, 'payload_too_large']);
    expect(storedRows()).toEqual(before);
  });

  it('stores the first file part of a multipart body; fields and later files are read past', async () => {
    const bytes = pattern(MIB + 17, 3);
    const form = multipart([
      { field: 'note', data: new TextEncoder().encode('a field first') },
      { field: 'file', filename: 'first.bin', type: 'image/png', data: bytes },
      { field: 'other', filename: 'second.bin', data: pattern(10) },
    ]);
    const answer = await postStream(chunkedBody(form.pieces), form.contentType);
    expect(answer.status).toBe(201);
    const stored = await t.store.getFile('app-a', (answer.body as { fileToken: string }).fileToken);
    expect(stored?.file).toMatchObject({ name: 'first.bin', mediaType: 'image/png', size: bytes.byteLength });
    expect(Buffer.from(stored?.data ?? []).equals(Buffer.from(bytes))).toBe(true);
  });

  it('a multipart body cut off after its file part, or over the limit, keeps nothing', async () => {
    const before = storedRows();
    const cut = multipart([{ field: 'file', filename: 'a.bin', data: pattern(MIB) }], false);
    const answer = await postStream(chunkedBody(cut.pieces), cut.contentType);
    expect([answer.status, answer.body.error?.code]).toEqual([400, 'invalid_argument']);
    const big = multipart([{ field: 'file', filename: 'b.bin', data: pattern(3 * MIB + 1) }]);
    const tooBig = await postStream(chunkedBody(big.pieces), big.contentType);
    expect([tooBig.status, tooBig.body.error?.code]).toEqual([413, 'payload_too_large']);
    const none = multipart([{ field: 'note', data: new TextEncoder().encode('no file') }]);
    const noFile = await postStream(chunkedBody(none.pieces), none.contentType);
    expect([noFile.status, noFile.body.error?.code]).toEqual([400, 'invalid_argument']);
    expect(storedRows()).toEqual(before);
  });

  it('an empty upload is 400 and keeps nothing', async () => {
    const before = storedRows();
    const answer = await postStream(chunkedBody([]));
    expect([answer.status, answer.body.error?.code]).toEqual([400, 'invalid_argument']);
    expect(storedRows()).toEqual(before);
  });

  it('an upload whose client goes away halfway keeps nothing', async () => {
    const before = storedRows();
    const url = new URL(`${t.url}/v1/files`);
    const outgoing = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: {
        authorization: `Bearer ${t.tokens.a}`,
        'content-type': 'application/octet-stream',
        'content-length': String(3 * MIB),
      },
    });
    outgoing.on('error', () => undefined);
    await new Promise<void>((resolve) => outgoing.write(pattern(2 * MIB), () => resolve()));
    // Wait until the store holds part of it, so the break-off happens mid-upload.
    await eventually(() => storedRows().chunks > before.chunks);
    outgoing.destroy();
    await eventually(() => {
      const now = storedRows();
      return now.files === before.files && now.chunks === before.chunks;
    });
  });
});
