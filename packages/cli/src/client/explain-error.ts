import {
  APIError,
  AuthError,
  ConfabClientError,
  NotFoundError,
  SessionClosedError,
  TransportError,
} from '@confab/client';
import { CliError } from '../cli-error.js';

/** Node and undici error codes a user can act on, in words. */
const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'timed out connecting',
  UND_ERR_SOCKET: 'the connection closed',
};

/**
 * The {@link CliError} that explains a client failure against the server at `url`:
 *
 * - no answer (refused, unknown host, reset…): "cannot reach the Confab server at … — is `confab
 *   serve` running? (connection refused)", exit 2;
 * - 401/403: the token was refused, with where tokens come from, exit 2;
 * - 404: `subject` (e.g. "session ses_…") was not found for this token's app, exit 1;
 * - any other error answer: status, code, message and request id, exit 1.
 *
 * Anything that is not a client error is returned unchanged, to be reported as unexpected.
 */
export function explainClientError(error: unknown, url: string, subject?: string): unknown {
  if (error instanceof CliError || !(error instanceof ConfabClientError)) return error;
  if (error instanceof TransportError) {
    const reason = networkReason(error);
    if (reason)
      return new CliError(`cannot reach the Confab server at ${url} — is \`confab serve\` running? (${reason})`);
    return new CliError(`the connection to ${url} failed: ${error.message}; is it a Confab server (check --url)?`);
  }
  if (error instanceof AuthError) {
    return new CliError(
      `the server at ${url} refused the token (${error.status} ${error.code}): check --token or CONFAB_TOKEN; ` +
        '`confab token create --store <the server’s store>` makes a new one',
    );
  }
  if (error instanceof NotFoundError) {
    const what = subject ?? 'what was asked for';
    return new CliError(
      `${what} was not found at ${url} (404; another app's sessions are not visible with this token)`,
      1,
    );
  }
  if (error instanceof SessionClosedError) {
    return new CliError(`${subject ?? 'the session'} is closed (410): it runs no more turns; fork it to go on`, 1);
  }
  if (error instanceof APIError) {
    const request = error.requestId ? ` (request ${error.requestId})` : '';
    return new CliError(`the server answered ${error.status} ${error.code}: ${error.message}${request}`, 1);
  }
  return new CliError(error.message, 1);
}

/** The network failure behind a transport error in words, or null when it was not one. */
function networkReason(error: unknown): string | null {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.shift();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code in NETWORK_REASONS) return NETWORK_REASONS[code] ?? null;
    pending.push((current as { cause?: unknown }).cause);
    // Several addresses of one host (IPv4 and IPv6) fail together as an AggregateError.
    if (current instanceof AggregateError) pending.push(...current.errors);
  }
  return null;
}
