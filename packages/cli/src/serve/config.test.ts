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
    });
  });

  it('reads the environment twins, and flags win over them', () => {
    const env = {
      CONFAB_PORT: '9000',
      CONFAB_HOST: '0.0.0.0',
      CONFAB_STORE: 'jsonl:data',
      CONFAB_MODEL: 'openai:gpt-4o-mini',
      CONFAB_TOKENS: 'app1:token-one',
    };
    expect(resolveServeConfig({}, env, '/srv')).toEqual({
      port: 9000,
      host: '0.0.0.0',
      store: { kind: 'jsonl', directory: '/srv/data' },
      model: 'openai:gpt-4o-mini',
      tokens: [{ appId: 'app1', token: 'token-one' }],
    });
    const flags = { port: '0', host: '::1', store: 'sqlite:/tmp/x.db', model: 'echo', tokens: 'app2:t:with:colons' };
    expect(resolveServeConfig(flags, env, '/srv')).toEqual({
      port: 0,
      host: '::1',
      store: { kind: 'sqlite', filename: '/tmp/x.db' },
      model: 'echo',
      tokens: [{ appId: 'app2', token: 't:with:colons' }],
    });
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
    ]) {
      expect(() => resolveServeConfig(flags, {}, '/')).toThrow(CliError);
    }
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
