import { CliError } from '../cli-error.js';

/** One numeric protection of `confab serve`: its flag, environment twin, setting and default. */
export interface LimitFlag {
  /** The flag, e.g. `--max-streams-per-app`. */
  flag: string;
  /** Its environment twin, e.g. `CONFAB_MAX_STREAMS_PER_APP`. */
  env: string;
  /** The setting it fills: a field of the server's `limits`, or of the listener. */
  setting: LimitSetting;
  /** The server's default (the same as `DEFAULT_LIMITS` / `LISTENER_DEFAULTS` of @confab/server). */
  defaultValue: number;
  /** The smallest value accepted (0 means "no limit" where allowed). */
  minimum: number;
  /** What it bounds, for `--help`. */
  help: string;
}

/** The settings the limit flags fill. */
export type LimitSetting =
  | 'maxOpenStreams'
  | 'maxOpenStreamsPerApp'
  | 'maxRunningTurns'
  | 'maxRunningTurnsPerApp'
  | 'maxQueuedInputsPerApp'
  | 'turnsPerMinute'
  | 'sessionsPerMinute'
  | 'uploadBytesPerMinute'
  | 'maxSessionsPerApp'
  | 'requestTimeoutMs'
  | 'maxConnections'
  | 'listenBacklog';

/** Values given by flag or environment; absent ones keep the server's default. */
export type LimitSettings = Partial<Record<LimitSetting, number>>;

/**
 * The fair shares and last-resort caps (docs/http-api.md#limits). An app over a `…-per-app` share
 * or rate gets 429 `rate_limited` with `Retry-After` while other apps are served; a server-wide
 * cap answers 503.
 */
export const LIMIT_FLAGS: readonly LimitFlag[] = [
  {
    flag: '--max-streams-per-app',
    env: 'CONFAB_MAX_STREAMS_PER_APP',
    setting: 'maxOpenStreamsPerApp',
    defaultValue: 250,
    minimum: 1,
    help: 'SSE streams one app may hold open (429 past it)',
  },
  {
    flag: '--max-streams',
    env: 'CONFAB_MAX_STREAMS',
    setting: 'maxOpenStreams',
    defaultValue: 1000,
    minimum: 1,
    help: 'SSE streams open in the whole server (503 past it)',
  },
  {
    flag: '--max-running-turns-per-app',
    env: 'CONFAB_MAX_RUNNING_TURNS_PER_APP',
    setting: 'maxRunningTurnsPerApp',
    defaultValue: 16,
    minimum: 1,
    help: 'turns one app may run at once, batched ones included (429 past it; batched turns wait)',
  },
  {
    flag: '--max-running-turns',
    env: 'CONFAB_MAX_RUNNING_TURNS',
    setting: 'maxRunningTurns',
    defaultValue: 64,
    minimum: 1,
    help: 'turns running in the whole server (503 past it)',
  },
  {
    flag: '--max-queued-inputs-per-app',
    env: 'CONFAB_MAX_QUEUED_INPUTS_PER_APP',
    setting: 'maxQueuedInputsPerApp',
    defaultValue: 1000,
    minimum: 1,
    help: 'inputs one app may have queued and not yet taken by a turn (429 past it)',
  },
  {
    flag: '--turns-per-minute',
    env: 'CONFAB_TURNS_PER_MINUTE',
    setting: 'turnsPerMinute',
    defaultValue: 600,
    minimum: 0,
    help: 'turn, resume and input requests per app per minute; 0: no limit',
  },
  {
    flag: '--sessions-per-minute',
    env: 'CONFAB_SESSIONS_PER_MINUTE',
    setting: 'sessionsPerMinute',
    defaultValue: 300,
    minimum: 0,
    help: 'sessions one app may create per minute (create, fork, rotate, a resolve that creates); 0: no limit',
  },
  {
    flag: '--upload-bytes-per-minute',
    env: 'CONFAB_UPLOAD_BYTES_PER_MINUTE',
    setting: 'uploadBytesPerMinute',
    defaultValue: 256 * 1024 * 1024,
    minimum: 0,
    help: 'bytes one app may upload per minute; 0: no limit, else at least the file size limit (20 MiB)',
  },
  {
    flag: '--max-sessions-per-app',
    env: 'CONFAB_MAX_SESSIONS_PER_APP',
    setting: 'maxSessionsPerApp',
    defaultValue: 100_000,
    minimum: 0,
    help: 'sessions one app may hold in the store, any status, until deleted (429 quota_exceeded past it; counted in the store, so one quota across processes); 0: no limit',
  },
  {
    flag: '--request-timeout-ms',
    env: 'CONFAB_REQUEST_TIMEOUT_MS',
    setting: 'requestTimeoutMs',
    defaultValue: 30_000,
    minimum: 100,
    help: 'time a client has to send a whole request; a slower one gets 408 and is disconnected',
  },
  {
    flag: '--max-connections',
    env: 'CONFAB_MAX_CONNECTIONS',
    setting: 'maxConnections',
    defaultValue: 4096,
    minimum: 1,
    help: 'connections open at once; more are closed as they arrive',
  },
  {
    flag: '--listen-backlog',
    env: 'CONFAB_LISTEN_BACKLOG',
    setting: 'listenBacklog',
    defaultValue: 4096,
    minimum: 1,
    help: 'new connections the kernel queues before the server accepts them (capped by net.core.somaxconn); a burst past it is reset',
  },
];

/** The commander option key of a flag: `--max-streams-per-app` → `maxStreamsPerApp`. */
export function optionKeyOf(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * The limit settings given by flag (winning) or environment twin (empty counts as unset). A value
 * that is not a whole number at or above the flag's minimum → {@link CliError}.
 */
export function resolveLimitFlags(
  flags: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): LimitSettings {
  const settings: LimitSettings = {};
  for (const limit of LIMIT_FLAGS) {
    const flag = flags[optionKeyOf(limit.flag)];
    const given = typeof flag === 'string' ? flag : undefined;
    const text = given ?? (env[limit.env] === '' ? undefined : env[limit.env]);
    if (text === undefined) continue;
    const value = Number(text);
    if (!/^\d{1,15}$/.test(text) || value < limit.minimum) {
      throw new CliError(
        `${limit.flag} (env ${limit.env}) must be a whole number of at least ${limit.minimum}, got "${text}"`,
      );
    }
    settings[limit.setting] = value;
  }
  return settings;
}
