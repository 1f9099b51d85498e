import type { Command } from 'commander';
import { CliError } from '../../cli-error.js';
import type { CliEnvironment } from '../../environment.js';
import { printJson } from '../../output.js';
import { DEV_APP_ID, isAppId, resolveStoreSpec } from '../../serve/config.js';
import { describeStore, withAccounts } from '../../serve/open-store.js';
import { addStoreOption, type StoreFlags } from './store-option.js';

interface CreateFlags extends StoreFlags {
  app?: string;
  label?: string;
  json?: boolean;
}

/**
 * Adds `confab token create [--app <id>] [--label <label>]`: creates the app when it is missing
 * and a new random token for it. Only the token's SHA-256 is stored, so the token itself is shown
 * this once: alone on stdout (`TOKEN=$(confab token create)`), with an explanation naming the store
 * on stderr; with `--json`, `{ id, appId, label, createdAt, store, token }`.
 */
export function registerTokenCreate(token: Command, environment: CliEnvironment): void {
  addStoreOption(
    token
      .command('create')
      .description('create a token (and its app when missing); prints it once')
      .option('--app <id>', `the app the token belongs to (default ${DEV_APP_ID})`)
      .option('--label <label>', 'a note to recognise the token by in `confab token ls`')
      .option('--json', 'print { id, appId, label, createdAt, store, token } as JSON'),
  ).action(async (flags: CreateFlags) => {
    const appId = flags.app ?? DEV_APP_ID;
    if (!isAppId(appId)) throw new CliError(`--app "${appId}" must be 1–64 letters, digits, . _ or -`);
    const spec = resolveStoreSpec(flags.store, environment.env, environment.cwd);
    // The runtime is loaded only when a token is made, so the other commands start quickly.
    const { newId, newSecret, sha256Hex } = await import('confab');
    const secret = newSecret(32);
    const { created, appCreated } = await withAccounts(spec, async (store) => {
      const appCreated = (await store.getApp(appId)) === null;
      await store.createApp({ id: appId, name: appId });
      const tokenHash = await sha256Hex(secret);
      return {
        created: await store.createToken({ id: newId('tok'), appId, tokenHash, label: flags.label ?? null }),
        appCreated,
      };
    });
    const where = describeStore(spec);
    if (flags.json) {
      const { id, label, createdAt } = created;
      printJson(environment.output, { id, appId, label, createdAt, store: where, token: secret });
      return;
    }
    if (appCreated) environment.output.err(`confab: created app "${appId}" in ${where}`);
    environment.output.err(
      `confab: created token ${created.id} for app "${appId}" in ${where}. It is shown only now (only its SHA-256 is stored):`,
    );
    environment.output.out(secret);
  });
}
