import { isAbsolute, resolve } from 'node:path';
import { CliError } from '../cli-error.js';
import { type LimitSettings, resolveLimitFlags } from './limit-flags.js';

/** Where sessions are stored. */
export type StoreSpec =
  | { kind: 'sqlite'; filename: string }
  | { kind: 'jsonl'; directory: string }
  | {
      kind: 'postgres';
      url: string;
      /** `CONFAB_POSTGRES_LISTEN_URL`: a direct connection for LISTEN when `url` is a pooler. */
      listenUrl?: string;
      /** `CONFAB_POSTGRES_PREPARED_STATEMENTS=false` behind a pooler in transaction mode. */
      preparedStatements?: boolean;
    };

/** A bearer token given on the command line or in `CONFAB_TOKENS`. */
export interface GivenToken {
  appId: string;
  token: string;
}

/** What `confab serve` runs with, after flags, environment and defaults (DESIGN §7). */
export interface ServeConfig {
  port: number;
  host: string;
  store: StoreSpec;
  /** The default model: of sessions and turns that name none. */
  model: string;
  /**
   * The model names requests may use (DESIGN §7): `--models`, plus the default model; default the
   * default model and `echo`. Provider base URLs come only from here and `--model`.
   */
  models: string[];
  /** A turn still running after this is stopped (`stopReason: "timeout"`); 0 for none. */
  turnTimeoutMs: number;
  /** The API key `openai-compatible:` models send (`Authorization: Bearer …`), or null for none. */
  openaiCompatibleApiKey: string | null;
  /** Null: no tokens given, so a dev token is created on first start. */
  tokens: GivenToken[] | null;
  /**
   * Time to live of a session's lease (the Pool's `leaseTtlMs`): how long the sessions of a server
   * that died stay blocked before another process (or its own restart) takes them over.
   */
  leaseTtlMs: number;
  /** Origins whose browser apps may call the API (CORS); empty: none. */
  corsOrigins: string[];
  /** Fair shares, caps and listener protections given by flag or environment (see LIMIT_FLAGS). */
  limits: LimitSettings;
  /** Whether `/studio` serves the Studio (DESIGN §10): on unless `--no-studio` or `CONFAB_STUDIO=off`. */
  studio: boolean;
  /** The least severe log level written (`silent` writes nothing). */
  logLevel: LogLevel;
}

/** The log levels `--log-level` accepts, most severe first. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The raw flags of `confab serve` (commander gives strings). */
export interface ServeFlags {
  port?: string;
  host?: string;
  store?: string;
  model?: string;
  tokens?: string;
  leaseTtlMs?: string;
  corsOrigin?: string;
  models?: string;
  turnTimeoutMs?: string;
  openaiCompatibleApiKey?: string;
  /** The limit flags of LIMIT_FLAGS, by commander key (e.g. `maxStreamsPerApp`). */
  [limitFlag: string]: string | boolean | undefined;
  /** False with `--no-studio` (commander sets true otherwise, so only false is telling). */
  studio?: boolean;
  logLevel?: string;
}

/** The defaults a newcomer gets. */
export const SERVE_DEFAULTS = {
  port: 8787,
  host: '127.0.0.1',
  store: 'sqlite:./.confab/confab.db',
  model: 'echo',
  leaseTtlMs: 15_000,
  turnTimeoutMs: 600_000,
  logLevel: 'info',
} as const;

/** The longest `--turn-timeout-ms`: a day. */
export const MAX_TURN_TIMEOUT_MS = 86_400_000;

/** The environment variable each provider reads its API key from. */
export const PROVIDER_KEY_VARIABLES: Readonly<Record<string, string>> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
};

/** The range `--lease-ttl-ms` accepts: below it renewals (every third of it) could not keep up; above it a crash blocks sessions for hours. */
export const LEASE_TTL_RANGE = { min: 100, max: 3_600_000 } as const;

/** The app a generated dev token belongs to (also the Pool's default app), and `token create`'s default. */
export const DEV_APP_ID = 'default';

const APP_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Resolves the serve configuration: each flag wins over its environment twin (`CONFAB_PORT`,
 * `CONFAB_HOST`, `CONFAB_STORE`, `CONFAB_MODEL`, `CONFAB_MODELS`, `CONFAB_TOKENS`,
 * `CONFAB_LEASE_TTL_MS`, `CONFAB_TURN_TIMEOUT_MS`, `CONFAB_OPENAI_COMPATIBLE_API_KEY`,
 * `CONFAB_CORS_ORIGIN`, `CONFAB_LOG_LEVEL` (else `LOG_LEVEL`); `--no-studio` over `CONFAB_STUDIO`), which wins over the default.
 * Relative store paths are taken from `cwd`. A malformed value → {@link CliError}.
 */
export function resolveServeConfig(flags: ServeFlags, env: NodeJS.ProcessEnv, cwd: string): ServeConfig {
  const pick = (flag: string | undefined, name: string) => flag ?? (env[name] === '' ? undefined : env[name]);
  const tokensText = pick(flags.tokens, 'CONFAB_TOKENS');
  const model = parseModel(pick(flags.model, 'CONFAB_MODEL') ?? SERVE_DEFAULTS.model);
  return {
    port: parsePort(pick(flags.port, 'CONFAB_PORT')),
    host: pick(flags.host, 'CONFAB_HOST') ?? SERVE_DEFAULTS.host,
    store: resolveStoreSpec(flags.store, env, cwd),
    model,
    models: parseModels(pick(flags.models, 'CONFAB_MODELS'), model),
    turnTimeoutMs: parseTurnTimeout(pick(flags.turnTimeoutMs, 'CONFAB_TURN_TIMEOUT_MS')),
    openaiCompatibleApiKey: pick(flags.openaiCompatibleApiKey, 'CONFAB_OPENAI_COMPATIBLE_API_KEY') ?? null,
    tokens: tokensText === undefined ? null : parseTokens(tokensText),
    leaseTtlMs: parseLeaseTtl(pick(flags.leaseTtlMs, 'CONFAB_LEASE_TTL_MS')),
    corsOrigins: parseCorsOrigins(pick(flags.corsOrigin, 'CONFAB_CORS_ORIGIN')),
    limits: resolveLimitFlags(flags, env),
    studio: flags.studio === false ? false : parseSwitch(pick(undefined, 'CONFAB_STUDIO'), 'CONFAB_STUDIO', true),
    logLevel: parseLogLevel(pick(flags.logLevel, 'CONFAB_LOG_LEVEL') ?? pick(undefined, 'LOG_LEVEL')),
  };
}

/**
 * The store `serve` would use: `flag`, else `CONFAB_STORE` (empty counts as unset), else the
 * default, with relative paths taken from `cwd`. Commands that work on the store directly (`token`)
 * use it so they find the server's store with the same flags.
 */
export function resolveStoreSpec(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): StoreSpec {
  const fromEnv = env.CONFAB_STORE === '' ? undefined : env.CONFAB_STORE;
  const spec = parseStore(flag ?? fromEnv ?? SERVE_DEFAULTS.store, cwd);
  if (spec.kind !== 'postgres') return spec;
  // Behind a pooler in transaction mode (PgBouncer): LISTEN needs a direct connection, and named
  // statements do not survive a change of server connection (docs/stores.md).
  const listenUrl = env.CONFAB_POSTGRES_LISTEN_URL || undefined;
  if (listenUrl !== undefined && !/^postgres(ql)?:\/\//.test(listenUrl)) {
    throw new CliError('CONFAB_POSTGRES_LISTEN_URL must be a postgres:// URL');
  }
  const prepared = env.CONFAB_POSTGRES_PREPARED_STATEMENTS;
  if (prepared !== undefined && prepared !== '' && prepared !== 'true' && prepared !== 'false') {
    throw new CliError('CONFAB_POSTGRES_PREPARED_STATEMENTS must be true or false');
  }
  return {
    ...spec,
    ...(listenUrl ? { listenUrl } : {}),
    ...(prepared === 'false' ? { preparedStatements: false } : {}),
  };
}

/** Whether `text` can be an app id: 1–64 letters, digits, `.`, `_` or `-`. */
export function isAppId(text: string): boolean {
  return APP_ID.test(text);
}

function parsePort(text: string | undefined): number {
  if (text === undefined) return SERVE_DEFAULTS.port;
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port > 65_535)
    throw new CliError(`--port must be a number from 0 to 65535, got "${text}"`);
  return port;
}

/** `1|true|on|yes` or `0|false|off|no` (any case); unset → `fallback`. */
function parseSwitch(text: string | undefined, name: string, fallback: boolean): boolean {
  if (text === undefined) return fallback;
  const value = text.trim().toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(value)) return true;
  if (['0', 'false', 'off', 'no'].includes(value)) return false;
  throw new CliError(`${name} must be on or off (1/0, true/false, yes/no), got "${text}"`);
}

function parseLeaseTtl(text: string | undefined): number {
  if (text === undefined) return SERVE_DEFAULTS.leaseTtlMs;
  const milliseconds = Number(text);
  const { min, max } = LEASE_TTL_RANGE;
  if (!/^\d{1,7}$/.test(text) || milliseconds < min || milliseconds > max) {
    throw new CliError(
      `--lease-ttl-ms must be a whole number of milliseconds from ${min} to ${max.toLocaleString('en-US')}, got "${text}"`,
    );
  }
  return milliseconds;
}

function parseLogLevel(text: string | undefined): LogLevel {
  if (text === undefined) return SERVE_DEFAULTS.logLevel;
  const level = LOG_LEVELS.find((candidate) => candidate === text.toLowerCase());
  if (!level) throw new CliError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${text}"`);
  return level;
}

/** `sqlite:<file>`, `jsonl:<dir>` or `postgres://…` (also `postgresql://…`). */
export function parseStore(text: string, cwd: string): StoreSpec {
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(cwd, path));
  if (text.startsWith('sqlite:')) {
    const filename = text.slice('sqlite:'.length);
    if (!filename) throw new CliError('--store sqlite:<file> needs a file name');
    return { kind: 'sqlite', filename: filename === ':memory:' ? filename : absolute(filename) };
  }
  if (text.startsWith('jsonl:')) {
    const directory = text.slice('jsonl:'.length);
    if (!directory) throw new CliError('--store jsonl:<dir> needs a directory');
    return { kind: 'jsonl', directory: absolute(directory) };
  }
  if (/^postgres(ql)?:\/\//.test(text)) return { kind: 'postgres', url: text };
  throw new CliError(`--store "${text}" is not a store; use sqlite:<file>, jsonl:<dir> or postgres://…`);
}

function parseModel(text: string, flag = '--model'): string {
  if (!/^\S{1,512}$/.test(text)) throw new CliError(`${flag} "${text}" is not a model name`);
  return text;
}

/**
 * `--cors-origin`: a comma list of origins (`https://app.example.com`, `http://localhost:5173`);
 * none by default. Anything else — a path, a trailing slash, a wildcard — is refused.
 */
export function parseCorsOrigins(text: string | undefined): string[] {
  if (text === undefined) return [];
  const origins = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let valid = false;
    try {
      const url = new URL(origin);
      valid = (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin;
    } catch {
      valid = false;
    }
    if (!valid) {
      throw new CliError(
        `--cors-origin "${origin}" is not an origin; give scheme://host[:port] like http://localhost:5173, comma-separated`,
      );
    }
  }
  return [...new Set(origins)];
}

/** `--models`: a comma list, with the default model always in it; default the default model and `echo`. */
function parseModels(text: string | undefined, model: string): string[] {
  const listed =
    text === undefined
      ? ['echo']
      : text
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean)
          .map((entry) => parseModel(entry, '--models'));
  if (text !== undefined && !listed.length) throw new CliError('--models is empty; give a comma list of model names');
  return [...new Set([model, ...listed])];
}

function parseTurnTimeout(text: string | undefined): number {
  if (text === undefined) return SERVE_DEFAULTS.turnTimeoutMs;
  const milliseconds = Number(text);
  if (!/^\d{1,8}$/.test(text) || milliseconds > MAX_TURN_TIMEOUT_MS) {
    throw new CliError(
      `--turn-timeout-ms must be a whole number of milliseconds from 0 (none) to ${MAX_TURN_TIMEOUT_MS.toLocaleString('en-US')}, got "${text}"`,
    );
  }
  return milliseconds;
}

/**
 * Refuses to start (one line) when a configured `openai:` or `anthropic:` model has no API key in
 * the environment: without one every turn would fail at its first model call.
 */
export function requireProviderKeys(config: Pick<ServeConfig, 'models'>, env: NodeJS.ProcessEnv): void {
  for (const model of config.models) {
    const variable = PROVIDER_KEY_VARIABLES[model.slice(0, model.indexOf(':'))];
    if (variable && !env[variable]) {
      throw new CliError(`model ${model} needs ${variable} in the environment; set it or choose another model`);
    }
  }
}

/** `<app>:<token>[,<app>:<token>…]`; the token is everything after the app's colon. */
export function parseTokens(text: string): GivenToken[] {
  const tokens: GivenToken[] = [];
  for (const entry of text.split(',')) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    const colon = trimmed.indexOf(':');
    const appId = colon > 0 ? trimmed.slice(0, colon) : '';
    const token = colon > 0 ? trimmed.slice(colon + 1) : '';
    if (!APP_ID.test(appId)) {
      throw new CliError(
        `--tokens: "${redact(trimmed)}" must be <app>:<token> with an app id of letters, digits, . _ -`,
      );
    }
    if (!/^[\x21-\x7e]{1,512}$/.test(token)) {
      throw new CliError(`--tokens: the token of app "${appId}" must be 1–512 visible ASCII characters`);
    }
    tokens.push({ appId, token });
  }
  if (!tokens.length) throw new CliError('--tokens is empty; give <app>:<token>[,<app>:<token>…]');
  return tokens;
}

/** Never echo a secret back in an error message. */
function redact(entry: string): string {
  const colon = entry.indexOf(':');
  return colon > 0 ? `${entry.slice(0, colon)}:…` : '…';
}
