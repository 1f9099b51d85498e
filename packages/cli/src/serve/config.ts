import { isAbsolute, resolve } from 'node:path';
import { CliError } from '../cli-error.js';

/** Where sessions are stored. */
export type StoreSpec =
  | { kind: 'sqlite'; filename: string }
  | { kind: 'jsonl'; directory: string }
  | { kind: 'postgres'; url: string };

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
  model: string;
  /** Null: no tokens given, so a dev token is created on first start. */
  tokens: GivenToken[] | null;
  /**
   * Time to live of a session's lease (the Pool's `leaseTtlMs`): how long the sessions of a server
   * that died stay blocked before another process (or its own restart) takes them over.
   */
  leaseTtlMs: number;
  /** The least severe log level written (`silent` writes nothing). */
  logLevel: LogLevel;
  /** Turns (and resumes) requested over HTTP that may run at once; more → 503 (the server's `maxRunningTurns`). */
  maxRunningTurns: number;
  /** SSE streams that may be open at once; more → 503 (the server's `maxOpenStreams`). */
  maxOpenStreams: number;
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
  logLevel?: string;
  maxRunningTurns?: string;
  maxOpenStreams?: string;
}

/** The defaults a newcomer gets. */
export const SERVE_DEFAULTS = {
  port: 8787,
  host: '127.0.0.1',
  store: 'sqlite:./.confab/confab.db',
  model: 'echo',
  leaseTtlMs: 15_000,
  logLevel: 'info',
  maxRunningTurns: 64,
  maxOpenStreams: 1000,
} as const;

/** The range `--lease-ttl-ms` accepts: below it renewals (every third of it) could not keep up; above it a crash blocks sessions for hours. */
export const LEASE_TTL_RANGE = { min: 100, max: 3_600_000 } as const;

/** The app a generated dev token belongs to (also the Pool's default app), and `token create`'s default. */
export const DEV_APP_ID = 'default';

const APP_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Resolves the serve configuration: each flag wins over its environment twin (`CONFAB_PORT`,
 * `CONFAB_HOST`, `CONFAB_STORE`, `CONFAB_MODEL`, `CONFAB_TOKENS`, `CONFAB_LEASE_TTL_MS`,
 * `CONFAB_LOG_LEVEL` (else `LOG_LEVEL`), `CONFAB_MAX_RUNNING_TURNS`, `CONFAB_MAX_OPEN_STREAMS`),
 * which wins over the default.
 * Relative store paths are taken from `cwd`. A malformed value → {@link CliError}.
 */
export function resolveServeConfig(flags: ServeFlags, env: NodeJS.ProcessEnv, cwd: string): ServeConfig {
  const pick = (flag: string | undefined, name: string) => flag ?? (env[name] === '' ? undefined : env[name]);
  const tokensText = pick(flags.tokens, 'CONFAB_TOKENS');
  return {
    port: parsePort(pick(flags.port, 'CONFAB_PORT')),
    host: pick(flags.host, 'CONFAB_HOST') ?? SERVE_DEFAULTS.host,
    store: resolveStoreSpec(flags.store, env, cwd),
    model: parseModel(pick(flags.model, 'CONFAB_MODEL') ?? SERVE_DEFAULTS.model),
    tokens: tokensText === undefined ? null : parseTokens(tokensText),
    leaseTtlMs: parseLeaseTtl(pick(flags.leaseTtlMs, 'CONFAB_LEASE_TTL_MS')),
    logLevel: parseLogLevel(pick(flags.logLevel, 'CONFAB_LOG_LEVEL') ?? pick(undefined, 'LOG_LEVEL')),
    maxRunningTurns: parseCap(
      '--max-running-turns',
      pick(flags.maxRunningTurns, 'CONFAB_MAX_RUNNING_TURNS'),
      SERVE_DEFAULTS.maxRunningTurns,
    ),
    maxOpenStreams: parseCap(
      '--max-open-streams',
      pick(flags.maxOpenStreams, 'CONFAB_MAX_OPEN_STREAMS'),
      SERVE_DEFAULTS.maxOpenStreams,
    ),
  };
}

/**
 * The store `serve` would use: `flag`, else `CONFAB_STORE` (empty counts as unset), else the
 * default, with relative paths taken from `cwd`. Commands that work on the store directly (`token`)
 * use it so they find the server's store with the same flags.
 */
export function resolveStoreSpec(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): StoreSpec {
  const fromEnv = env.CONFAB_STORE === '' ? undefined : env.CONFAB_STORE;
  return parseStore(flag ?? fromEnv ?? SERVE_DEFAULTS.store, cwd);
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

/** A server-wide cap: a whole number from 1 to 1,000,000. */
function parseCap(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d{1,7}$/.test(text) || value < 1 || value > 1_000_000) {
    throw new CliError(`${flag} must be a whole number from 1 to 1,000,000, got "${text}"`);
  }
  return value;
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

function parseModel(text: string): string {
  if (!/^\S{1,512}$/.test(text)) throw new CliError(`--model "${text}" is not a model name`);
  return text;
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
