import type { Command } from 'commander';
import type { CliEnvironment } from '../../environment.js';
import { registerTokenCreate } from './create.js';
import { registerTokenList } from './list.js';
import { registerTokenRevoke } from './revoke.js';

/**
 * Adds `confab token create|ls|revoke`. They work on the store directly (no server needed), found
 * with `--store` / `CONFAB_STORE` exactly as `confab serve` finds it.
 */
export function registerTokenCommand(program: Command, environment: CliEnvironment): void {
  const token = program
    .command('token')
    .description('create, list and revoke API tokens (works on the store; no server needed)');
  registerTokenCreate(token, environment);
  registerTokenList(token, environment);
  registerTokenRevoke(token, environment);
}
