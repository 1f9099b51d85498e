import { ConfabError, newId, newSecret, sha256Hex } from 'confab';
import type { SessionStore } from 'confab/store';
import type { Output } from '../output.js';
import { DEV_APP_ID, type GivenToken } from './config.js';

/**
 * Makes sure the server can be called: with given tokens, registers each (hashed) under its app;
 * without, creates app `default` and a dev token when the store has no token at all, and prints it
 * once. Plaintext tokens are never stored.
 */
export async function ensureTokens(store: SessionStore, given: GivenToken[] | null, output: Output): Promise<void> {
  if (given) {
    await registerGivenTokens(store, given, output);
    return;
  }
  const active = await activeTokens(store);
  if (active.length > 0) {
    const apps = [...new Set(active.map((token) => token.appId))].join(', ');
    output.err(
      `confab: ${active.length} token(s) exist (apps: ${apps}); only their hashes are stored, so the dev token ` +
        'was printed when it was created. To use tokens of your choice, start with --tokens <app>:<token> ' +
        '(or CONFAB_TOKENS).',
    );
    return;
  }
  const token = newSecret(32);
  await store.createApp({ id: DEV_APP_ID, name: 'Default app' });
  await store.createToken({ id: newId('tok'), appId: DEV_APP_ID, tokenHash: await sha256Hex(token), label: 'dev' });
  output.err(
    [
      `confab: created a dev token for app "${DEV_APP_ID}". It is shown only now (only its hash is stored):`,
      '',
      `    Authorization: Bearer ${token}`,
      '',
    ].join('\n'),
  );
}

async function registerGivenTokens(store: SessionStore, given: GivenToken[], output: Output): Promise<void> {
  const hashes = new Set<string>();
  for (const { appId, token } of given) {
    const tokenHash = await sha256Hex(token);
    hashes.add(tokenHash);
    const existing = await store.findToken(tokenHash);
    if (existing && existing.appId !== appId) {
      output.err(
        `confab: warning: a token given for app "${appId}" already belongs to app "${existing.appId}"; it stays there`,
      );
      continue;
    }
    if (existing) continue;
    await store.createApp({ id: appId, name: appId });
    try {
      await store.createToken({ id: newId('tok'), appId, tokenHash, label: 'CONFAB_TOKENS' });
    } catch (error) {
      // Another process starting with the same tokens registered this one first: that is the goal.
      if (!(ConfabError.isInstance(error, 'conflict') && (await store.findToken(tokenHash)))) throw error;
    }
    if (token.length < 16)
      output.err(`confab: warning: the token of app "${appId}" is short; use 16+ random characters`);
  }
  const others = (await activeTokens(store)).filter((token) => !hashes.has(token.tokenHash));
  const apps = [...new Set(given.map((token) => token.appId))].join(', ');
  output.err(`confab: using ${given.length} given token(s) for app(s) ${apps}`);
  if (others.length) {
    output.err(`confab: note: ${others.length} other token(s) stored earlier remain valid`);
  }
}

async function activeTokens(store: SessionStore) {
  const apps = await store.listApps();
  const tokens = await Promise.all(apps.map((app) => store.listTokens(app.id)));
  return tokens.flat().filter((token) => token.revokedAt === null);
}
