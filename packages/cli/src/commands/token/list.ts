import type { Command } from 'commander';
import type { ApiToken } from 'confab';
import { CliError } from '../../cli-error.js';
import type { CliEnvironment } from '../../environment.js';
import { formatTable } from '../../format/table.js';
import { shortTime } from '../../format/text.js';
import { printJson } from '../../output.js';
import { resolveStoreSpec } from '../../serve/config.js';
import { withAccounts } from '../../serve/open-store.js';
import { addStoreOption, requireExistingStore, type StoreFlags } from './store-option.js';

interface ListFlags extends StoreFlags {
  app?: string;
  json?: boolean;
}

/** A token as `token ls` shows it: everything but the hash, which stays in the store. */
export type ListedToken = Omit<ApiToken, 'tokenHash'>;

/**
 * Adds `confab token ls [--app <id>]`: the tokens of every app (or one), revoked ones included,
 * as a table of id, app, label, created and revoked, or with `--json` as an array of
 * `{ id, appId, label, createdAt, revokedAt }`. Token hashes are never printed.
 */
export function registerTokenList(token: Command, environment: CliEnvironment): void {
  addStoreOption(
    token
      .command('ls')
      .description('list tokens (never their hashes)')
      .option('--app <id>', 'only the tokens of this app')
      .option('--json', 'print the tokens as a JSON array'),
  ).action(async (flags: ListFlags) => {
    const spec = resolveStoreSpec(flags.store, environment.env, environment.cwd);
    requireExistingStore(spec);
    const tokens = await withAccounts(spec, async (store) => {
      if (flags.app !== undefined && (await store.getApp(flags.app)) === null) {
        throw new CliError(`there is no app "${flags.app}" in this store`, 1);
      }
      const appIds = flags.app !== undefined ? [flags.app] : (await store.listApps()).map((app) => app.id);
      const perApp = await Promise.all(appIds.map((appId) => store.listTokens(appId)));
      return perApp.flat().map(withoutHash);
    });
    tokens.sort((left, right) => left.createdAt.localeCompare(right.createdAt) || left.id.localeCompare(right.id));
    if (flags.json) {
      printJson(environment.output, tokens);
      return;
    }
    if (tokens.length === 0) {
      environment.output.err('confab: no tokens; `confab token create` makes one');
      return;
    }
    environment.output.out(
      formatTable(
        ['ID', 'APP', 'LABEL', 'CREATED', 'REVOKED'],
        tokens.map((entry) => [
          entry.id,
          entry.appId,
          entry.label ?? '-',
          shortTime(entry.createdAt),
          shortTime(entry.revokedAt),
        ]),
      ),
    );
  });
}

function withoutHash({ id, appId, label, createdAt, revokedAt }: ApiToken): ListedToken {
  return { id, appId, label, createdAt, revokedAt };
}
