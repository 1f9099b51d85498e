import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError } from '../../cli-error.js';
import { SERVE_DEFAULTS, type StoreSpec } from '../../serve/config.js';
import { describeStore } from '../../serve/open-store.js';

/** The `--store` flag of the token commands. */
export interface StoreFlags {
  store?: string;
}

/** Adds `--store`, worded like `serve`'s so both point at the same store the same way. */
export function addStoreOption(command: Command): Command {
  return command.option(
    '--store <store>',
    `sqlite:<file>, jsonl:<dir> or postgres://… (env CONFAB_STORE, default ${SERVE_DEFAULTS.store})`,
  );
}

/**
 * Refuses a file store that does not exist yet ({@link CliError}, exit 1): opening it would create
 * an empty store, and listing or revoking in the wrong directory would then quietly find nothing.
 */
export function requireExistingStore(spec: StoreSpec): void {
  const path = spec.kind === 'sqlite' ? spec.filename : spec.kind === 'jsonl' ? spec.directory : null;
  if (path === null || path === ':memory:' || existsSync(path)) return;
  throw new CliError(
    `there is no store at ${describeStore(spec)}; run this where \`confab serve\` runs, or pass --store / CONFAB_STORE`,
    1,
  );
}
