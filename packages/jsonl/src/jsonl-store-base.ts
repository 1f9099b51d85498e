import { mkdir } from 'node:fs/promises';
import {
  type ApiToken,
  type App,
  type EventType,
  errors,
  type FileRecord,
  type NewFile,
  type SessionEvent,
  type SessionRecord,
} from 'confab';
import { applySessionPatch, readChain, resolveChain } from 'confab/store';
import { AccountRequestInbox } from './account-requests.js';
import { DATA_DIRECTORY_MODE, type Durability, writeFileAtomic } from './atomic-file.js';
import { EventLog, type WarningLogger } from './event-log.js';
import { Registry } from './registry.js';
import { SessionCatalog, type SessionState, type SessionSummary } from './session-catalog.js';
import { KeyedMutex, Mutex, ReadWriteLock } from './session-mutex.js';
import { lockDirectory, prepareDirectory, toConfabError } from './store-directory.js';
import { StoreLayout } from './store-layout.js';

/** Options of `JsonlStore`. */
export interface JsonlStoreOptions {
  /** The store's directory; created when missing. Only one process may use it at a time. */
  directory: string;
  /** fsync every commit (default true). Off trades crash safety for speed: tests and scratch data. */
  fsync?: boolean;
  /** The clock; tests may replace it. */
  now?: () => Date;
  /** Receives warnings about torn or damaged data the store skipped or cut off. Default: console. */
  logger?: WarningLogger;
}

/** The schema version this code writes and understands. */
const SCHEMA_VERSION = 1;

/** The parts of the store its helper modules work with. */
export interface StoreContext {
  layout: StoreLayout;
  durability: Durability;
  logger: WarningLogger;
  events: EventLog;
  catalog: SessionCatalog;
}

/**
 * The part of `JsonlStore` that is not about sessions: its files and locks, the wrapper every
 * public call runs in, and the port's schema, lifecycle, apps, tokens and files methods. The
 * sessions' methods live in the subclass.
 */
export abstract class JsonlStoreBase {
  protected readonly context: StoreContext;
  protected readonly registry: Registry;
  protected readonly now: () => Date;
  /** Cross-session invariants: client session ids, one active session per channel, fork, delete. */
  protected readonly globalLock = new Mutex();
  /** Shared by reads that follow fork chains into other sessions' files; exclusive for rewrites. */
  protected readonly topologyLock = new ReadWriteLock();
  protected readonly sessionLocks = new KeyedMutex();
  /** The schema version recorded in the directory. */
  protected version = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  private opening: Promise<void> | null = null;
  private releaseDirectory: (() => Promise<void>) | null = null;
  private inbox: AccountRequestInbox | null = null;
  private closed = false;

  constructor(options: JsonlStoreOptions) {
    const layout = new StoreLayout(options.directory);
    const durability = { fsync: options.fsync ?? true };
    const logger = options.logger ?? { warn: (message: string) => console.warn(message) };
    this.now = options.now ?? (() => new Date());
    const events = new EventLog((id) => layout.eventsFile(id), durability, logger);
    this.registry = new Registry(layout, durability, logger, this.now);
    const catalog = new SessionCatalog(layout, events, this.registry, durability, logger);
    this.context = { layout, durability, logger, events, catalog };
  }

  /** Waits for the calls in flight; every later call fails with `unavailable`. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.inbox?.stop();
    this.inbox = null;
    await this.releaseLock();
  }

  async migrate(): Promise<{ version: number }> {
    return this.run(() =>
      this.globalLock.run(async () => {
        if (this.version > SCHEMA_VERSION) {
          throw errors.failedPrecondition(
            `the store at ${this.context.layout.root} has a newer schema (${this.version})`,
          );
        }
        if (this.version < SCHEMA_VERSION) {
          const content = JSON.stringify({ format: 'confab-jsonl', version: SCHEMA_VERSION });
          await writeFileAtomic(this.context.layout.storeFile, content, this.context.durability);
          this.version = SCHEMA_VERSION;
        }
        return { version: this.version };
      }),
    );
  }

  async schemaVersion(): Promise<number> {
    return this.run(async () => this.version);
  }

  // --- apps, tokens, files ----------------------------------------------------------------------

  async createApp(input: { id: string; name: string }): Promise<App> {
    return this.run(() => this.registry.createApp(input));
  }

  async getApp(appId: string): Promise<App | null> {
    return this.run(async () => this.registry.getApp(appId));
  }

  async listApps(): Promise<App[]> {
    return this.run(async () => this.registry.listApps());
  }

  async createToken(input: { id: string; appId: string; tokenHash: string; label?: string | null }): Promise<ApiToken> {
    return this.run(() => this.registry.createToken(input));
  }

  async findToken(tokenHash: string): Promise<ApiToken | null> {
    return this.run(async () => this.registry.findToken(tokenHash));
  }

  async listTokens(appId: string): Promise<ApiToken[]> {
    return this.run(async () => this.registry.listTokens(appId));
  }

  async revokeToken(tokenId: string): Promise<boolean> {
    return this.run(() => this.registry.revokeToken(tokenId));
  }

  async putFile(input: NewFile): Promise<FileRecord> {
    return this.run(() => this.registry.putFile(input));
  }

  async getFile(
    appId: string,
    token: string,
    now = this.now(),
  ): Promise<{ file: FileRecord; data: Uint8Array } | null> {
    return this.run(() => this.registry.getFile(appId, token, now));
  }

  async deleteExpiredFiles(now = this.now()): Promise<number> {
    return this.run(() => this.registry.deleteExpiredFiles(now));
  }

  // --- machinery ------------------------------------------------------------------------------

  /** Every public call goes through here: refused after close, opens lazily, maps errors. */
  protected run<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(errors.unavailable('the store is closed'));
    const call = (async () => {
      try {
        await this.open();
        return await work();
      } catch (error) {
        throw toConfabError(error);
      }
    })();
    this.inFlight.add(call);
    const forget = () => this.inFlight.delete(call);
    call.then(forget, forget);
    return call;
  }

  /** A call that needs the cross-session invariants to hold still. */
  protected runGlobal<T>(work: () => Promise<T>): Promise<T> {
    return this.run(() => this.globalLock.run(work));
  }

  /** A read that may follow fork chains: no delete can rewrite or remove files under it. */
  protected runReading<T>(work: () => Promise<T>): Promise<T> {
    return this.run(() => this.topologyLock.shared(work));
  }

  /** Runs `work` on a session's loaded state while holding its lock; `not_found` when missing. */
  protected withSession<T>(sessionId: string, work: (state: SessionState) => Promise<T>): Promise<T> {
    const catalog = this.context.catalog;
    return this.run(() => this.sessionLocks.run(sessionId, async () => work(await catalog.state(sessionId))));
  }

  protected iso(): string {
    return this.now().toISOString();
  }

  /** The session's index entry; `not_found` when missing. */
  protected requireSummary(sessionId: string): SessionSummary {
    const summary = this.context.catalog.records.get(sessionId);
    if (!summary) throw errors.notFound('session', sessionId);
    return summary;
  }

  /** The session's whole record (read from its meta unless cached); `not_found` when missing. */
  protected async requireRecord(sessionId: string): Promise<SessionRecord> {
    const record = await this.context.catalog.record(sessionId);
    if (!record) throw errors.notFound('session', sessionId);
    return record;
  }

  /** Archives or closes a loaded session (caller holds its lock); returns the new record. */
  protected async changeStatus(state: SessionState, status: 'archived' | 'closed', now: string) {
    const stamp = status === 'archived' ? { archivedAt: now } : { closedAt: now };
    const record: SessionRecord = { ...applySessionPatch(state.record, {}, now), status, ...stamp };
    await this.context.catalog.commit(record.id, { ...state, record }, state.logEnd);
    return record;
  }

  /**
   * Hard-deletes a session if `shouldDelete` still holds once its lock and its forks' locks are
   * held; returns the record as it was, or null. The caller holds the global lock.
   */
  protected deleteLocked(sessionId: string, shouldDelete: (record: SessionSummary) => boolean) {
    return this.topologyLock.exclusive(async () => {
      const { catalog } = this.context;
      if (!catalog.records.has(sessionId)) return null;
      const forks = [...catalog.records.values()].filter((record) => record.inheritsFrom?.sessionId === sessionId);
      return this.sessionLocks.runAll([sessionId, ...forks.map((fork) => fork.id)], async () => {
        const summary = catalog.records.get(sessionId);
        if (!summary || !shouldDelete(summary)) return null;
        const { record } = await catalog.state(sessionId);
        await catalog.remove(sessionId);
        return record;
      });
    });
  }

  /**
   * The session's visible events after `after` (through fork parents), as the port reads them;
   * only those of `types` when it is not null.
   */
  protected async readVisible(
    record: SessionSummary,
    after: number,
    limit: number,
    types: readonly EventType[] | null = null,
  ): Promise<SessionEvent[]> {
    const { catalog, events } = this.context;
    const segments = await resolveChain(record, (id) => catalog.records.get(id)?.inheritsFrom);
    return readChain(record.id, segments, after, limit, (id, afterSeq, throughSeq, max) =>
      events.readRange(id, afterSeq, throughSeq, max, catalog.records.get(id)?.lastSeq ?? throughSeq, types),
    );
  }

  /** Takes the directory and reads it on first use; a failed open is retried by the next call. */
  private open(): Promise<void> {
    if (!this.opening) {
      this.opening = (async () => {
        const layout = this.context.layout;
        await mkdir(layout.root, { recursive: true, mode: DATA_DIRECTORY_MODE });
        this.releaseDirectory = await lockDirectory(layout);
        try {
          this.version = await prepareDirectory(layout);
          await this.registry.load();
          await this.context.catalog.load();
          // Token and app changes asked by `confab token` while this process holds the store.
          this.inbox = new AccountRequestInbox(layout, this.registry, this.context.logger);
          await this.inbox.start();
        } catch (error) {
          await this.releaseLock();
          throw error;
        }
      })().catch((error: unknown) => {
        this.opening = null;
        throw error;
      });
    }
    return this.opening;
  }

  private async releaseLock(): Promise<void> {
    const release = this.releaseDirectory;
    this.releaseDirectory = null;
    await release?.();
  }
}
