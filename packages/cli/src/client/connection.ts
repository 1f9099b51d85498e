import { ConfabClient } from '@confab/client';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { explainClientError } from './explain-error.js';

/** Where `confab serve` listens by default, and so where client commands look first. */
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8787';

/** The raw connection flags of a client command (commander gives strings). */
export interface ConnectionFlags {
  url?: string;
  token?: string;
}

/** A server and the bearer token to call it with. */
export interface Connection {
  /** The server's base URL without a trailing slash. */
  url: string;
  token: string;
}

/** Adds `--url` and `--token` (with their environment twins in the help) to a client command. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('--url <url>', `the Confab server (env CONFAB_URL, default ${DEFAULT_SERVER_URL})`)
    .option('--token <token>', 'bearer token (env CONFAB_TOKEN; `confab serve` prints a dev token on first start)');
}

/**
 * Resolves the server URL and token: each flag wins over its environment twin (`CONFAB_URL`,
 * `CONFAB_TOKEN`; empty counts as unset), the URL falls back to {@link DEFAULT_SERVER_URL}. A URL
 * that is not http(s) or a missing token → {@link CliError} (exit 2) before any request.
 */
export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv): Connection {
  const url = flags.url ?? nonEmpty(env.CONFAB_URL) ?? DEFAULT_SERVER_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`--url "${url}" is not a URL; use e.g. ${DEFAULT_SERVER_URL}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`--url "${url}" must be an http:// or https:// URL`);
  }
  const token = flags.token ?? nonEmpty(env.CONFAB_TOKEN);
  if (!token) {
    throw new CliError(
      'no token: pass --token <token> or set CONFAB_TOKEN (`confab serve` prints a dev token on its first ' +
        'start; `confab token create` makes another)',
    );
  }
  return { url: url.replace(/\/+$/, ''), token };
}

/**
 * Runs `body` with a client of the server the flags name, and turns every client failure into a
 * {@link CliError} that says what to do: unreachable server or refused token → exit 2, a missing
 * `subject` (404) or another error answer → exit 1. Other errors pass through unchanged.
 */
export async function withClient<T>(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv,
  body: (client: ConfabClient, connection: Connection) => Promise<T>,
  subject?: string,
): Promise<T> {
  const connection = resolveConnection(flags, env);
  const client = new ConfabClient({ baseUrl: connection.url, token: connection.token });
  try {
    return await body(client, connection);
  } catch (error) {
    throw explainClientError(error, connection.url, subject);
  } finally {
    client.disconnect();
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}
