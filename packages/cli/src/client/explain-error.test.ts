import { APIError, AuthError, NotFoundError, TransportError } from '@confab/client';
import { describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.js';
import { explainClientError } from './explain-error.js';

const url = 'http://127.0.0.1:8787';

function explained(error: unknown, subject?: string): CliError {
  const result = explainClientError(error, url, subject);
  if (!(result instanceof CliError)) throw new Error('not explained');
  return result;
}

describe('explainClientError', () => {
  it('names the unreachable server and the network reason, also inside an AggregateError (exit 2)', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const both = new AggregateError([refused, refused]);
    const error = new TransportError('GET /v1/sessions failed', {
      cause: new TypeError('fetch failed', { cause: both }),
    });
    expect(explained(error).message).toBe(
      `cannot reach the Confab server at ${url} — is \`confab serve\` running? (connection refused)`,
    );
    expect(explained(error).exitCode).toBe(2);
  });

  it('explains a refused token (exit 2), a missing subject and other answers (exit 1)', () => {
    const init = { code: 'x', message: 'boom', requestId: 'req_1' };
    expect(explained(new AuthError({ ...init, status: 401, code: 'unauthenticated' })).exitCode).toBe(2);
    const missing = explained(new NotFoundError({ ...init, status: 404 }), 'session ses_1');
    expect(missing.message).toMatch(/^session ses_1 was not found/);
    expect(missing.exitCode).toBe(1);
    expect(explained(new APIError({ ...init, status: 500, code: 'internal' })).message).toBe(
      'the server answered 500 internal: boom (request req_1)',
    );
  });

  it('leaves errors that are not the client’s alone', () => {
    const error = new RangeError('bug');
    expect(explainClientError(error, url)).toBe(error);
  });
});
