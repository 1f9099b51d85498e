import { DEFAULT_LIMITS, LISTENER_DEFAULTS } from '@confab/server';
import { describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.js';
import { parseTokens, requireProviderKeys, resolveServeConfig } from './config.js';
import { LIMIT_FLAGS } from './limit-flags.js';

describe('resolveServeConfig', () => {
  it('gives a newcomer SQLite under ./.confab, 127.0.0.1:8787, echo and a dev token', () => {
    expect(resolveServeConfig({}, {}, '/work')).toEqual({
      port: 8787,
      host: '127.0.0.1',
      store: { kind: 'sqlite', filename: '/work/.confab/confab.db' },
      model: 'echo',
      models: ['echo'],
      turnTimeoutMs: 600_000,
      openaiCompatibleApiKey: null,
      tokens: null,
      leaseTtlMs: 15_000,
      corsOrigins: [],
      limits: {},
      studio: true,
      logLevel: 'info',
    });
  });

  it('turns the Studio off with --no-studio or CONFAB_STUDIO=off, the flag winning', () => {
    expect(resolveServeConfig({ studio: false }, {}, '/').studio).toBe(false);
    expect(resolveServeConfig({}, { CONFAB_STUDIO: 'off' }, '/').studio).toBe(false);
    expect(resolveServeConfig({}, { CONFAB_STUDIO: '0' }, '/').studio).toBe(false);
    expect(resolveServeConfig({}, { CONFAB_STUDIO: 'on' }, '/').studio).toBe(true);
    expect(resolveServeConfig({ studio: true }, { CONFAB_STUDIO: 'false' }, '/').studio).toBe(false);
    expect(resolveServeConfig({ studio: false }, { CONFAB_STUDIO: 'true' }, '/').studio).toBe(false);
    expect(() => resolveServeConfig({}, { CONFAB_STUDIO: 'maybe' }, '/')).toThrow(/CONFAB_STUDIO must be on or off/);
  });

  it('reads the environment twins, and flags win over them', () => {
    const env = {
      CONFAB_PORT: '9000',
      CONFAB_HOST: '0.0.0.0',
      CONFAB_STORE: 'jsonl:data',
      CONFAB_MODEL: 'openai:gpt-4o-mini',
      CONFAB_TOKENS: 'app1:token-one',
      CONFAB_LEASE_TTL_MS: '2000',
      CONFAB_CORS_ORIGIN: 'http://localhost:5173, https://app.example.com',
      CONFAB_MODELS: 'echo, openai-compatible:http://127.0.0.1:11434/v1:llama3.1:8b',
      CONFAB_TURN_TIMEOUT_MS: '0',
      CONFAB_OPENAI_COMPATIBLE_API_KEY: 'key-env',
      CONFAB_LOG_LEVEL: 'debug',
    };
    expect(resolveServeConfig({}, env, '/srv')).toEqual({
      port: 9000,
      host: '0.0.0.0',
      store: { kind: 'jsonl', directory: '/srv/data' },
      model: 'openai:gpt-4o-mini',
      models: ['openai:gpt-4o-mini', 'echo', 'openai-compatible:http://127.0.0.1:11434/v1:llama3.1:8b'],
      turnTimeoutMs: 0,
      openaiCompatibleApiKey: 'key-env',
      tokens: [{ appId: 'app1', token: 'token-one' }],
      leaseTtlMs: 2000,
      corsOrigins: ['http://localhost:5173', 'https://app.example.com'],
      limits: {},
      studio: true,
      logLevel: 'debug',
    });
    const flags = {
      port: '0',
      host: '::1',
      store: 'sqlite:/tmp/x.db',
      model: 'echo',
      tokens: 'app2:t:with:colons',
      leaseTtlMs: '100',
      corsOrigin: 'http://127.0.0.1:3000',
      models: 'anthropic:claude-sonnet-4-5',
      turnTimeoutMs: '30000',
      openaiCompatibleApiKey: 'key-flag',
      logLevel: 'WARN',
    };
    expect(resolveServeConfig(flags, env, '/srv')).toEqual({
      port: 0,
      host: '::1',
      store: { kind: 'sqlite', filename: '/tmp/x.db' },
      model: 'echo',
      models: ['echo', 'anthropic:claude-sonnet-4-5'],
      turnTimeoutMs: 30_000,
      openaiCompatibleApiKey: 'key-flag',
      tokens: [{ appId: 'app2', token: 't:with:colons' }],
      leaseTtlMs: 100,
      corsOrigins: ['http://127.0.0.1:3000'],
      limits: {},
      studio: true,
      logLevel: 'warn',
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
      { corsOrigin: '*' },
      { corsOrigin: 'http://localhost:5173/' },
      { corsOrigin: 'localhost:5173' },
      { corsOrigin: 'https://app.example.com/path' },
      { corsOrigin: 'ftp://files.example.com' },
      { models: ' , ' },
      { models: 'echo,a b' },
      { turnTimeoutMs: '-1' },
      { turnTimeoutMs: '1.5' },
      { turnTimeoutMs: '86400001' },
      { logLevel: 'verbose' },
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

  it('refuses to start an openai: or anthropic: model without its key, in one line', () => {
    const config = resolveServeConfig({ model: 'openai:gpt-4o-mini', models: 'anthropic:claude-sonnet-4-5' }, {}, '/');
    expect(() => requireProviderKeys(config, { ANTHROPIC_API_KEY: 'a' })).toThrow(
      /^model openai:gpt-4o-mini needs OPENAI_API_KEY in the environment; set it or choose another model$/,
    );
    expect(() => requireProviderKeys(config, { OPENAI_API_KEY: 'o' })).toThrow(/ANTHROPIC_API_KEY/);
    expect(() => requireProviderKeys(config, { OPENAI_API_KEY: 'o', ANTHROPIC_API_KEY: 'a' })).not.toThrow();
    const local = resolveServeConfig({ model: 'openai-compatible:http://127.0.0.1:8000/v1:m' }, {}, '/');
    expect(() => requireProviderKeys(local, {})).not.toThrow();
  });
});

describe('limit flags', () => {
  it('read their environment twins, flags win, and their documented defaults are the server’s', () => {
    const env = { CONFAB_MAX_STREAMS_PER_APP: '20', CONFAB_SESSIONS_PER_MINUTE: '0', CONFAB_MAX_CONNECTIONS: '' };
    expect(resolveServeConfig({}, env, '/').limits).toEqual({ maxOpenStreamsPerApp: 20, sessionsPerMinute: 0 });
    const flags = { maxStreamsPerApp: '30', requestTimeoutMs: '5000', maxRunningTurnsPerApp: '4' };
    expect(resolveServeConfig(flags, env, '/').limits).toEqual({
      maxOpenStreamsPerApp: 30,
      sessionsPerMinute: 0,
      requestTimeoutMs: 5000,
      maxRunningTurnsPerApp: 4,
    });
    const defaults: Record<string, number> = { ...DEFAULT_LIMITS, ...LISTENER_DEFAULTS };
    for (const limit of LIMIT_FLAGS)
      expect([limit.flag, limit.defaultValue]).toEqual([limit.flag, defaults[limit.setting]]);
  });

  it('refuse values below their minimum or not whole numbers', () => {
    for (const flags of [
      { maxStreamsPerApp: '0' },
      { turnsPerMinute: '-1' },
      { requestTimeoutMs: '50' },
      { maxConnections: '1.5' },
    ]) {
      expect(() => resolveServeConfig(flags, {}, '/')).toThrow(CliError);
    }
    expect(() => resolveServeConfig({}, { CONFAB_MAX_RUNNING_TURNS: 'many' }, '/')).toThrow(/CONFAB_MAX_RUNNING_TURNS/);
  });
});
