import { describe, expect, it } from 'vitest';
import { isConnectionError, toConfabError } from './pg-errors.js';

describe('mapping driver errors', () => {
  it('treats a socket error whose code looks like a SQLSTATE as a lost connection', () => {
    const broken = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    expect(isConnectionError(broken)).toBe(true);
    expect(toConfabError(broken).code).toBe('unavailable');
  });

  it('reads real server errors by their SQLSTATE', () => {
    const unique = Object.assign(new Error('duplicate key'), { code: '23505', severity: 'ERROR' });
    const shutdown = Object.assign(new Error('terminating connection'), { code: '57P01', severity: 'FATAL' });
    expect(toConfabError(unique).code).toBe('conflict');
    expect(toConfabError(shutdown).code).toBe('unavailable');
  });
});
