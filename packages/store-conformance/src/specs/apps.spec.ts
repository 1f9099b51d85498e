import { describe, expect } from 'vitest';
import { APP_A, APP_B, conformanceTest, expectCode, testId } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** Apps, hashed tokens and files. */
export function appsSpec(context: ConformanceContext): void {
  describe('apps, tokens and files', () => {
    conformanceTest(context, 'apps are created idempotently and listed', async () => {
      const app = await context.store.createApp({ id: APP_A, name: 'Alpha' });
      const again = await context.store.createApp({ id: APP_A, name: 'Renamed' });
      expect(again).toEqual(app);
      await context.store.createApp({ id: APP_B, name: 'Beta' });
      expect((await context.store.listApps()).map((entry) => entry.id).sort()).toEqual([APP_A, APP_B]);
      expect(await context.store.getApp('app_missing')).toBeNull();
    });

    conformanceTest(context, 'tokens are found by hash until revoked', async () => {
      await context.store.createApp({ id: APP_A, name: 'Alpha' });
      const token = await context.store.createToken({
        id: testId('tok'),
        appId: APP_A,
        tokenHash: 'a'.repeat(64),
        label: 'dev',
      });
      expect(token).toMatchObject({ appId: APP_A, label: 'dev', revokedAt: null });
      expect(await context.store.findToken('a'.repeat(64))).toEqual(token);
      await expectCode(
        context.store.createToken({ id: token.id, appId: APP_A, tokenHash: 'c'.repeat(64) }),
        'conflict',
      );
      expect(await context.store.findToken('b'.repeat(64))).toBeNull();
      expect(await context.store.listTokens(APP_A)).toEqual([token]);
      expect(await context.store.listTokens(APP_B)).toEqual([]);
      expect(await context.store.revokeToken(token.id)).toBe(true);
      expect(await context.store.revokeToken(token.id)).toBe(false);
      expect(await context.store.findToken('a'.repeat(64))).toBeNull();
      expect((await context.store.listTokens(APP_A))[0]?.revokedAt).not.toBeNull();
    });

    conformanceTest(context, 'files are readable by their app until they expire', async () => {
      const data = new Uint8Array([0, 1, 2, 250, 255]);
      const token = testId('file');
      const expiresAt = new Date(Date.now() + 60_000).toISOString();
      const file = await context.store.putFile({
        token,
        appId: APP_A,
        mediaType: 'application/octet-stream',
        name: 'blob.bin',
        data,
        expiresAt,
      });
      expect(file).toMatchObject({ token, appId: APP_A, size: 5, name: 'blob.bin', sessionId: null, expiresAt });
      const read = await context.store.getFile(APP_A, token);
      expect(read?.file).toEqual(file);
      expect(Array.from(read?.data ?? [])).toEqual([0, 1, 2, 250, 255]);
      expect(await context.store.getFile(APP_B, token)).toBeNull();
      expect(await context.store.getFile(APP_A, 'file_missing')).toBeNull();
      const later = new Date(Date.now() + 120_000);
      expect(await context.store.getFile(APP_A, token, later)).toBeNull();
      expect(await context.store.deleteExpiredFiles(later)).toBe(1);
      expect(await context.store.getFile(APP_A, token)).toBeNull();
    });
  });
}
