import { randomUUID } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type ApiToken, type App, ConfabError, errors } from 'confab';
import type { SessionStore } from 'confab/store';
import { readJsonFile, removeFile, TEMPORARY_SUFFIX, writeFileAtomic } from './atomic-file.js';
import type { WarningLogger } from './event-log.js';
import type { Registry } from './registry.js';
import type { StoreLayout } from './store-layout.js';

/*
 * Apps and tokens change while a server holds the store: `confab token create|revoke` in another
 * process cannot open a JSONL store that is open (one process at a time), so it drops a request
 * file into `requests/` and the process that holds the store applies it and answers with a result
 * file. Crash safety:
 * - a request appears whole (temp file + rename) or not at all;
 * - the holder writes the result (atomically) before removing the request, and a request whose
 *   result exists is only removed, never applied twice; a request left by a crash of the holder
 *   is applied when the store next opens;
 * - every operation is idempotent by its ids (a token id, an app id), so applying one whose
 *   result was lost changes nothing twice.
 */

/** The operations another process may ask the holder of a JSONL store to run. */
export type AccountRequest =
  | { op: 'createApp'; input: { id: string; name: string } }
  | { op: 'getApp'; appId: string }
  | { op: 'listApps' }
  | { op: 'createToken'; input: { id: string; appId: string; tokenHash: string; label?: string | null } }
  | { op: 'listTokens'; appId: string }
  | { op: 'revokeToken'; tokenId: string };

type AccountResult = { ok: true; value: unknown } | { ok: false; code: ConfabError['code']; message: string };

const REQUEST_SUFFIX = '.request.json';
const RESULT_SUFFIX = '.result.json';

/** How long an answer waits for its asker (who waits 10 s by default) before the holder removes it. */
const UNCOLLECTED_RESULT_MS = 10 * 60_000;

/** How often the holder looks for requests when the file system sends no change notice. */
const POLL_INTERVAL_MS = 500;

/**
 * The apps-and-tokens part of the store port that `confab token` needs, served through request
 * files by the process that holds the store.
 */
export type JsonlAccounts = Pick<
  SessionStore,
  'createApp' | 'getApp' | 'listApps' | 'createToken' | 'listTokens' | 'revokeToken'
>;

/**
 * Apps and tokens of a JSONL store that another process holds open (a running `confab serve`):
 * each call writes a request into the store's `requests/` directory and waits up to `timeoutMs`
 * (default 10 s) for the holder's answer. Fails with `unavailable` when no answer comes in time
 * (the request is withdrawn when it was not picked up yet), and with the holder's error code.
 */
export function jsonlAccountsOfRunningStore(directory: string, options: { timeoutMs?: number } = {}): JsonlAccounts {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const ask = <T>(request: AccountRequest) => submitAccountRequest(directory, request, timeoutMs) as Promise<T>;
  return {
    createApp: (input) => ask<App>({ op: 'createApp', input }),
    getApp: (appId) => ask<App | null>({ op: 'getApp', appId }),
    listApps: () => ask<App[]>({ op: 'listApps' }),
    createToken: (input) => ask<ApiToken>({ op: 'createToken', input }),
    listTokens: (appId) => ask<ApiToken[]>({ op: 'listTokens', appId }),
    revokeToken: (tokenId) => ask<boolean>({ op: 'revokeToken', tokenId }),
  };
}

async function submitAccountRequest(directory: string, request: AccountRequest, timeoutMs: number): Promise<unknown> {
  const folder = join(directory, 'requests');
  const name = randomUUID();
  const requestFile = join(folder, `${name}${REQUEST_SUFFIX}`);
  const resultFile = join(folder, `${name}${RESULT_SUFFIX}`);
  await writeFileAtomic(requestFile, JSON.stringify(request), { fsync: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = (await readJsonFile(resultFile)) as AccountResult | undefined;
    if (result) {
      await removeFile(resultFile);
      if (result.ok) return result.value;
      throw new ConfabError(result.code, result.message);
    }
    if (Date.now() > deadline) {
      // Withdrawn before the holder took it: nothing happened. Taken meanwhile: its answer comes.
      if (await removeFile(requestFile)) {
        throw errors.unavailable(
          `no process holding the jsonl store at ${directory} answered within ${timeoutMs} ms (is it running?)`,
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * The holder's side: applies the requests in `requests/` to the registry and answers each, when
 * started, on every change notice of the directory and every half second. `stop()` ends it.
 */
export class AccountRequestInbox {
  private watcher: FSWatcher | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private draining: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly layout: StoreLayout,
    private readonly registry: Registry,
    private readonly logger: WarningLogger,
  ) {}

  /** Applies the requests waiting now, then keeps watching. */
  async start(): Promise<void> {
    await this.drain();
    try {
      this.watcher = watch(this.layout.requestsDirectory, () => void this.drain());
      this.watcher.on('error', () => undefined);
      this.watcher.unref();
    } catch {
      // Without change notices the poll below still finds every request.
    }
    this.timer = setInterval(() => void this.drain(), POLL_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops watching and waits for a drain in progress. */
  async stop(): Promise<void> {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.draining;
  }

  private drain(): Promise<void> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = (async () => {
      do {
        this.again = false;
        await this.applyWaiting().catch((error: unknown) =>
          this.logger.warn(`jsonl store: could not read account requests: ${String(error)}`),
        );
      } while (this.again);
    })().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  private async applyWaiting(): Promise<void> {
    const folder = this.layout.requestsDirectory;
    const entries = await readdir(folder);
    // An answer nobody collected (its asker died or gave up) is removed after a while.
    for (const entry of entries.filter((name) => name.endsWith(RESULT_SUFFIX))) {
      const path = join(folder, entry);
      const modified = await stat(path).then(
        (info) => info.mtimeMs,
        () => Date.now(),
      );
      if (Date.now() - modified > UNCOLLECTED_RESULT_MS) await removeFile(path);
    }
    const names = entries.filter((entry) => entry.endsWith(REQUEST_SUFFIX) && !entry.endsWith(TEMPORARY_SUFFIX));
    for (const entry of names.sort()) {
      const requestFile = join(folder, entry);
      const resultFile = join(folder, `${entry.slice(0, -REQUEST_SUFFIX.length)}${RESULT_SUFFIX}`);
      // Answered before a crash: the request only has to go.
      if ((await readJsonFile(resultFile).catch(() => undefined)) !== undefined) {
        await removeFile(requestFile);
        continue;
      }
      let request: AccountRequest | undefined;
      try {
        request = (await readJsonFile(requestFile)) as AccountRequest | undefined;
      } catch (error) {
        this.logger.warn(`jsonl store: removed an unreadable account request ${requestFile}: ${String(error)}`);
      }
      const result: AccountResult = request
        ? await this.apply(request).then(
            (value): AccountResult => ({ ok: true, value: value ?? null }),
            (error: unknown): AccountResult => {
              const failure = ConfabError.from(error);
              return { ok: false, code: failure.code, message: failure.message };
            },
          )
        : { ok: false, code: 'invalid_argument', message: 'the request file was unreadable' };
      await writeFileAtomic(resultFile, JSON.stringify(result), { fsync: true });
      await removeFile(requestFile);
    }
  }

  private apply(request: AccountRequest): Promise<unknown> {
    const registry = this.registry;
    switch (request.op) {
      case 'createApp':
        return registry.createApp(request.input);
      case 'getApp':
        return Promise.resolve(registry.getApp(request.appId));
      case 'listApps':
        return Promise.resolve(registry.listApps());
      case 'createToken':
        return registry.createToken(request.input);
      case 'listTokens':
        return Promise.resolve(registry.listTokens(request.appId));
      case 'revokeToken':
        return registry.revokeToken(request.tokenId);
      default:
        return Promise.reject(
          errors.invalidArgument(`unknown account request ${String((request as { op?: unknown }).op)}`),
        );
    }
  }
}
