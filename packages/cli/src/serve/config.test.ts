import { describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.js';
import { parseTokens, resolveServeConfig } from './config.js';

describe('resolveServeConfig', () => {
  it('gives a newcomer SQLite under ./.confab, 127.0.0.1:8787, echo and a dev token', () => {
    expect(resolveServeConfig({}, {}, '/work')).toEqual({
      port: 8787,
      host: '127.0.0.1',
      store: { kind: 'sqlite', filename: '/work/.confab/confab.db' },
      model: 'echo',
      tokens: null,
      leaseTtlMs: 15_000,
      logLevel: 'info',
      maxRunningTurns: 64,
      maxOpenStreams: 1000,
    });
  });

  it('reads the environment twins, and flags win over them', () => {
    const env = {
      CONFAB_PORT: '9000',
      CONFAB_HOST: '0.0.0.0',
      CONFAB_STORE: 'jsonl:data',
      CONFAB_MODEL: 'openai:gpt-4o-mini',
      CONFAB_TOKENS: 'app1:token-one',
      CONFAB_LEASE_TTL_MS: '2000',
      CONFAB_LOG_LEVEL: 'debug',
      CONFAB_MAX_RUNNING_TURNS: '5000',
      CONFAB_MAX_OPEN_STREAMS: '6000',
    };
    expect(resolveServeConfig({}, env, '/srv')).toEqual({
      port: 9000,
      host: '0.0.0.0',
      store: { kind: 'jsonl', directory: '/srv/data' },
      model: 'openai:gpt-4o-mini',
      tokens: [{ appId: 'app1', token: 'token-one' }],
      leaseTtlMs: 2000,
      logLevel: 'debug',
      maxRunningTurns: 5000,
      maxOpenStreams: 6000,
    });
    const flags = {
      port: '0',
      host: '::1',
      store: 'sqlite:/tmp/x.db',
      model: 'echo',
      tokens: 'app2:t:with:colons',
      leaseTtlMs: '100',
      logLevel: 'WARN',
      maxRunningTurns: '1',
      maxOpenStreams: '2',
    };
    expect(resolveServeConfig(flags, env, '/srv')).toEqual({
      port: 0,
      host: '::1',
      store: { kind: 'sqlite', filename: '/tmp/x.db' },
      model: 'echo',
      tokens: [{ appId: 'app2', token: 't:with:colons' }],
      leaseTtlMs: 100,
      logLevel: 'warn',
      maxRunningTurns: 1,
      maxOpenStreams: 2,
    });
    expect(resolveServeConfig({}, { LOG_LEVEL: 'error' }, '/').logLevel).toBe('error');
    expect(resolveServeConfig({}, { CONFAB_STORE: 'postgres://u:p@db/confab' }, '/').store).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@db/confab',
    });
  });

  it('refuses malformed values with a CliError that never echoes a token', () => {
    for (const flags of [
      { port: 'abc' },
      { port: '70000' },
      { store: 'mysql://x' },
      { store: 'sqlite:' },
      { model: 'a b' },
      { leaseTtlMs: '99' },
      { leaseTtlMs: '3600001' },
      { leaseTtlMs: '1.5' },
      { leaseTtlMs: '-1000' },
      { leaseTtlMs: '2s' },
      { logLevel: 'verbose' },
      { maxRunningTurns: '0' },
      { maxRunningTurns: '1e3' },
      { maxOpenStreams: '1000001' },
    ]) {
      expect(() => resolveServeConfig(flags, {}, '/')).toThrow(CliError);
    }
    expect(() => resolveServeConfig({}, { CONFAB_LEASE_TTL_MS: 'soon' }, '/')).toThrow(
      /--lease-ttl-ms must be a whole number of milliseconds from 100 to 3,600,000, got "soon"/,
    );
    expect(resolveServeConfig({}, { CONFAB_LEASE_TTL_MS: '' }, '/').leaseTtlMs).toBe(15_000);
    expect(() => resolveServeConfig({ logLevel: 'loud' }, {}, '/')).toThrow(
      /--log-level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"/,
    );
    expect(resolveServeConfig({ leaseTtlMs: '3600000' }, {}, '/').leaseTtlMs).toBe(3_600_000);
    for (const text of ['', 'no-colon', ':secret', 'bad app:secret', 'app:', 'app:has space']) {
      let message = '';
      try {
        parseTokens(text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain('secret');
    }
    expect(parseTokens('a:one, b:two')).toEqual([
      { appId: 'a', token: 'one' },
      { appId: 'b', token: 'two' },
    ]);
  });
});
