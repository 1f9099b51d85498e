import type { Command } from 'commander';
import { CliError } from '../../cli-error.js';
import type { CliEnvironment } from '../../environment.js';
import { printJson } from '../../output.js';
import { resolveStoreSpec } from '../../serve/config.js';
import { describeStore, withAccounts } from '../../serve/open-store.js';
import { addStoreOption, requireExistingStore, type StoreFlags } from './store-option.js';

interface RevokeFlags extends StoreFlags {
  json?: boolean;
}

/**
 * Adds `confab token revoke <tokenId>`: from then on requests with that token get 401 (servers
 * look tokens up per request), and running servers end its open streams within about a second. Revoking a revoked token changes nothing and is not an error; an
 * unknown id is (exit 1). `--json` prints `{ id, appId, revokedAt, alreadyRevoked }`.
 */
export function registerTokenRevoke(token: Command, environment: CliEnvironment): void {
  addStoreOption(
    token
      .command('revoke')
      .description('revoke a token: requests with it are refused (401) from now on')
      .argument('<tokenId>', 'the id `confab token ls` shows (tok_…), not the token itself')
      .option('--json', 'print { id, appId, revokedAt, alreadyRevoked } as JSON'),
  ).action(async (tokenId: string, flags: RevokeFlags) => {
    const spec = resolveStoreSpec(flags.store, environment.env, environment.cwd);
    requireExistingStore(spec);
    const outcome = await withAccounts(spec, async (store) => {
      const apps = await store.listApps();
      const tokens = (await Promise.all(apps.map((app) => store.listTokens(app.id)))).flat();
      const found = tokens.find((candidate) => candidate.id === tokenId);
      if (!found) {
        throw new CliError(
          `there is no token ${tokenId} in ${describeStore(spec)} (\`confab token ls\` lists the ids)`,
          1,
        );
      }
      if (found.revokedAt !== null) return { token: found, alreadyRevoked: true };
      await store.revokeToken(tokenId);
      const revoked = (await store.listTokens(found.appId)).find((candidate) => candidate.id === tokenId) ?? found;
      return { token: revoked, alreadyRevoked: false };
    });
    const { id, appId, revokedAt } = outcome.token;
    if (flags.json) {
      printJson(environment.output, { id, appId, revokedAt, alreadyRevoked: outcome.alreadyRevoked });
      return;
    }
    environment.output.out(
      outcome.alreadyRevoked
        ? `token ${id} (app "${appId}") was already revoked at ${revokedAt}`
        : `revoked token ${id} (app "${appId}"): requests with it are now refused`,
    );
  });
}
