import { ConfabError, type NewFile } from 'confab';
import { describe, expect } from 'vitest';
import { APP_A, APP_B, conformanceTest, expectCode, testId } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

const MIB = 1024 * 1024;

/** `size` bytes of a pattern that differs at every offset mod 251, so a misplaced chunk shows. */
function pattern(size: number, seed = 0): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index++) bytes[index] = (index + seed) % 251;
  return bytes;
}

/** `bytes` cut into pieces of the given sizes (cycled), as an async iterable. */
async function* pieces(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let offset = 0;
  for (let index = 0; offset < bytes.byteLength; index++) {
    const size = sizes[index % sizes.length] as number;
    yield bytes.slice(offset, offset + size);
    offset += size;
  }
}

function newFile(data: NewFile['data'], extra: Partial<NewFile> = {}): NewFile {
  return {
    token: testId('file'),
    appId: APP_A,
    mediaType: 'application/octet-stream',
    name: 'streamed.bin',
    data,
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
    ...extra,
  };
}

/** Uploads streamed into the store: whole once stored, and nothing left of a refused or broken one. */
export function fileStreamsSpec(context: ConformanceContext): void {
  describe('files streamed in', () => {
    conformanceTest(context, 'a file streamed in uneven pieces reads back byte for byte', async () => {
      const bytes = pattern(2 * MIB + 12_345);
      const input = newFile(pieces(bytes, [1, 65_536, 1_000_003, 7, MIB]));
      const file = await context.store.putFile(input);
      expect(file).toMatchObject({ token: input.token, appId: APP_A, size: bytes.byteLength, name: 'streamed.bin' });
      const read = await context.store.getFile(APP_A, input.token);
      expect(read?.file).toEqual(file);
      expect(read?.data.byteLength).toBe(bytes.byteLength);
      expect(Buffer.from(read?.data ?? []).equals(Buffer.from(bytes))).toBe(true);
      expect(await context.store.getFileRecord(APP_A, input.token)).toEqual(file);
    });

    conformanceTest(context, 'a web ReadableStream is a source too', async () => {
      const bytes = pattern(300_000, 7);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes.slice(0, 100_000));
          controller.enqueue(bytes.slice(100_000));
          controller.close();
        },
      });
      const input = newFile(stream);
      expect((await context.store.putFile(input)).size).toBe(300_000);
      const read = await context.store.getFile(APP_A, input.token);
      expect(Buffer.from(read?.data ?? []).equals(Buffer.from(bytes))).toBe(true);
    });

    conformanceTest(context, 'over maxBytes: payload_too_large as it arrives, and nothing is kept', async () => {
      let yielded = 0;
      // Endless: the store must stop reading at the limit, not at the end.
      async function* endless(): AsyncGenerator<Uint8Array> {
        for (;;) {
          yielded++;
          yield pattern(100_000);
        }
      }
      const input = newFile(endless(), { maxBytes: MIB + 1 });
      await expectCode(context.store.putFile(input), 'payload_too_large');
      expect(yielded).toBeLessThanOrEqual(12);
      expect(await context.store.getFile(APP_A, input.token)).toBeNull();
      expect(await context.store.getFileRecord(APP_A, input.token)).toBeNull();
      // The token is free again: no half-stored file holds it.
      const again = await context.store.putFile({ ...input, data: pattern(10), maxBytes: 10 });
      expect(again.size).toBe(10);
      expect(Array.from((await context.store.getFile(APP_A, input.token))?.data ?? [])).toEqual(
        Array.from(pattern(10)),
      );
      await expectCode(context.store.putFile(newFile(pattern(11), { maxBytes: 10 })), 'payload_too_large');
    });

    conformanceTest(context, 'a source that breaks off fails the put with its error and leaves nothing', async () => {
      const broken = new ConfabError('invalid_argument', 'the client went away');
      async function* breaksOff(): AsyncGenerator<Uint8Array> {
        yield pattern(MIB);
        yield pattern(MIB + 10);
        throw broken;
      }
      const input = newFile(breaksOff());
      await expect(context.store.putFile(input)).rejects.toBe(broken);
      expect(await context.store.getFile(APP_A, input.token)).toBeNull();
      expect(await context.store.getFileRecord(APP_A, input.token)).toBeNull();
      expect((await context.store.putFile({ ...input, data: pattern(3) })).size).toBe(3);
      expect(await context.store.deleteExpiredFiles(new Date(Date.now() + 120_000))).toBe(1);
    });

    conformanceTest(context, 'a file is invisible until stored whole, and its token is taken meanwhile', async () => {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let started: () => void = () => undefined;
      const halfway = new Promise<void>((resolve) => {
        started = resolve;
      });
      async function* slow(): AsyncGenerator<Uint8Array> {
        yield pattern(MIB + 5);
        started();
        await gate;
        yield pattern(5, 1);
      }
      const input = newFile(slow());
      const storing = context.store.putFile(input);
      await halfway;
      expect(await context.store.getFile(APP_A, input.token)).toBeNull();
      expect(await context.store.getFileRecord(APP_A, input.token)).toBeNull();
      await expectCode(context.store.putFile({ ...input, data: pattern(1) }), 'conflict');
      release();
      expect((await storing).size).toBe(MIB + 10);
      expect((await context.store.getFile(APP_A, input.token))?.data.byteLength).toBe(MIB + 10);
    });

    conformanceTest(context, 'getFileRecord: the record without bytes, for its app until it expires', async () => {
      const input = newFile(pattern(1000));
      const file = await context.store.putFile(input);
      expect(await context.store.getFileRecord(APP_A, input.token)).toEqual(file);
      expect(await context.store.getFileRecord(APP_B, input.token)).toBeNull();
      expect(await context.store.getFileRecord(APP_A, 'file_missing')).toBeNull();
      const later = new Date(Date.now() + 120_000);
      expect(await context.store.getFileRecord(APP_A, input.token, later)).toBeNull();
      expect(await context.store.deleteExpiredFiles(later)).toBe(1);
      expect(await context.store.getFileRecord(APP_A, input.token)).toBeNull();
    });

    conformanceTest(context, 'a refused text field fails before any data is read', async () => {
      let read = false;
      async function* watched(): AsyncGenerator<Uint8Array> {
        read = true;
        yield pattern(10);
      }
      const error = await context.store
        .putFile(newFile(watched(), { name: 'bad\u0000name' }))
        .catch((caught) => caught);
      expect(ConfabError.isInstance(error, 'invalid_argument')).toBe(true);
      expect(read).toBe(false);
    });
  });
}
