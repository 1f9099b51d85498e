import { readdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errors, type SessionRecord } from 'confab';
import {
  type Durability,
  fsyncDirectory,
  hasErrorCode,
  readJsonFile,
  removeFile,
  truncateDurably,
  writeFileAtomic,
} from './atomic-file.js';
import type { EventLog, WarningLogger } from './event-log.js';
import { LruMap } from './lru-map.js';
import type { Registry } from './registry.js';
import { decodeMeta, encodeMeta, initialMeta, type SessionMeta } from './session-meta.js';
import { forEachSideEntry } from './side-log.js';
import { readSnapshotPointer } from './snapshot-pointer.js';
import type { StoreLayout } from './store-layout.js';

/** A session's meta as loaded and recovered, plus where its events file ends. */
export interface SessionState extends SessionMeta {
  /** Size of the events file up to its last committed line: where the next append writes. */
  logEnd: number;
}

/**
 * A session's record without its documents (meta, state, tools, runtime): what the index keeps
 * in memory for every stored session, so that listing, channels, client session ids and fork
 * chains need no file while an idle session costs a few hundred bytes, whatever its meta holds.
 */
export type SessionSummary = Omit<SessionRecord, 'meta' | 'state' | 'tools' | 'runtime'>;

/** The index entry of `record`. */
export function summarise(record: SessionRecord): SessionSummary {
  const { meta: _meta, state: _state, tools: _tools, runtime: _runtime, ...summary } = record;
  return summary;
}

/** At most how many sessions keep their loaded meta in memory between calls… */
const STATE_CACHE_SIZE = 512;
/** …and at most how many bytes of meta files (so large metas do not make idle sessions resident). */
const STATE_CACHE_BYTES = 16 * 1024 * 1024;
/** How many meta files the open reads at once. */
const OPEN_CONCURRENCY = 32;

/**
 * The sessions on disk: an index of every session's record (for listing, channels and fork
 * chains) and a bounded cache of loaded metas. Loading a meta recovers the session's files from a
 * crash first. Callers hold the session's lock around `state` and `commit`, and the global lock
 * plus the locks of the session and its children around `remove`.
 */
export class SessionCatalog {
  /** Every stored session's summary (its record without documents), in creation order. */
  readonly records = new Map<string, SessionSummary>();
  /** Snapshot ids an append is writing right now: nobody else may claim or clean them up. */
  readonly snapshotReservations = new Set<string>();
  private readonly states = new LruMap<string, SessionState>(STATE_CACHE_SIZE, STATE_CACHE_BYTES);
  /** Sessions whose last write failed part-way: their memory state is re-read from disk. */
  private readonly doubtful = new Set<string>();
  /** Hard deletes that committed but could not remove every file yet. */
  private readonly unfinishedDeletes = new Set<string>();

  constructor(
    private readonly layout: StoreLayout,
    private readonly events: EventLog,
    private readonly registry: Registry,
    private readonly durability: Durability,
    private readonly logger: WarningLogger,
  ) {}

  /** Builds the index from the meta files and finishes hard deletes that a crash interrupted. */
  async load(): Promise<void> {
    const names = await readdir(this.layout.sessionsDirectory);
    const metaNames = names.filter((entry) => entry.endsWith('.meta.json'));
    const loaded: SessionSummary[] = [];
    // A few reads at a time: opening a store with many sessions should not take one round trip each.
    for (let from = 0; from < metaNames.length; from += OPEN_CONCURRENCY) {
      const batch = metaNames.slice(from, from + OPEN_CONCURRENCY);
      const metas = await Promise.all(
        batch.map((name) => this.readMetaFile(join(this.layout.sessionsDirectory, name))),
      );
      for (const meta of metas) if (meta) loaded.push(summarise(meta.record));
    }
    // Memory keeps creation order (what the sweep walks); a directory listing has no order.
    loaded.sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1));
    for (const record of loaded) this.records.set(record.id, record);
    for (const name of names.filter((entry) => entry.endsWith('.deleted.json'))) {
      const tombstone = await this.readMetaFile(join(this.layout.sessionsDirectory, name));
      if (tombstone) await this.finishDelete(tombstone.record.id, tombstone.sideBytes);
    }
  }

  /** The session's loaded state; `not_found` when it does not exist. Hold the session's lock. */
  async state(sessionId: string): Promise<SessionState> {
    const cached = this.states.get(sessionId);
    if (cached && !this.doubtful.has(sessionId)) return cached;
    if (!this.records.has(sessionId)) throw errors.notFound('session', sessionId);
    const text = await readFile(this.layout.metaFile(sessionId), 'utf8');
    const meta = decodeMeta(JSON.parse(text));
    const logEnd = await this.events.recoverTail(sessionId, meta.record.lastSeq);
    await this.recoverSideLog(sessionId, meta.sideBytes);
    const state: SessionState = { ...meta, logEnd };
    this.records.set(sessionId, summarise(meta.record));
    this.doubtful.delete(sessionId);
    this.states.set(sessionId, state, text.length);
    return state;
  }

  /**
   * The session's whole record, or null when it does not exist: from the cache, else read from its
   * meta file (the committed record; reading needs no lock and recovers nothing). Not cached:
   * reading a session does not make it resident.
   */
  async record(sessionId: string): Promise<SessionRecord | null> {
    if (!this.records.has(sessionId)) return null;
    const cached = this.states.get(sessionId);
    if (cached && !this.doubtful.has(sessionId)) return cached.record;
    try {
      return decodeMeta(await readJsonFile(this.layout.metaFile(sessionId))).record;
    } catch (error) {
      // Deleted meanwhile (its meta became a tombstone).
      if (hasErrorCode(error, 'ENOENT') || !this.records.has(sessionId)) return null;
      throw error;
    }
  }

  /** The whole records of `sessionIds` (missing ones left out), in that order. */
  async recordsOf(sessionIds: readonly string[]): Promise<SessionRecord[]> {
    const found = await Promise.all(sessionIds.map((sessionId) => this.record(sessionId)));
    return found.filter((record): record is SessionRecord => record !== null);
  }

  /**
   * Makes `next` the session's committed state by rewriting its meta atomically. When that fails the
   * outcome on disk is unknown, so the session is re-read from disk on its next use.
   */
  async commit(sessionId: string, next: SessionMeta, logEnd: number): Promise<void> {
    const text = encodeMeta(next);
    try {
      await writeFileAtomic(this.layout.metaFile(sessionId), text, this.durability);
    } catch (error) {
      this.invalidate(sessionId);
      throw error;
    }
    this.records.set(sessionId, summarise(next.record));
    this.states.set(sessionId, { ...next, logEnd }, text.length);
  }

  /** Forgets what memory knows of a session's files after a write failed part-way. */
  invalidate(sessionId: string): void {
    this.states.delete(sessionId);
    this.events.forget(sessionId);
    if (this.records.has(sessionId)) this.doubtful.add(sessionId);
  }

  /** Stores a new session; `conflict` when its id is taken. Hold the global lock. */
  async create(record: SessionRecord): Promise<void> {
    if (this.records.has(record.id)) throw errors.conflict(`session ${record.id} exists`);
    if (this.unfinishedDeletes.has(record.id)) await this.finishDelete(record.id, null);
    await writeFileAtomic(this.layout.metaFile(record.id), encodeMeta(initialMeta(record)), this.durability);
    this.records.set(record.id, summarise(record));
  }

  /**
   * Hard-deletes a session. Forks reading through it get its events copied in first (each fork's
   * file is rewritten atomically, then its meta stops pointing here), so a crash at any moment
   * leaves every fork readable. Renaming the meta to a tombstone is the commit; the files are
   * removed after, and a crash before that is finished on the next open.
   */
  async remove(sessionId: string): Promise<void> {
    const parent = await this.state(sessionId);
    for (const child of [...this.records.values()]) {
      if (child.inheritsFrom?.sessionId === sessionId) await this.materialise(child.id, parent.record);
    }
    await rename(this.layout.metaFile(sessionId), this.layout.tombstoneFile(sessionId));
    await fsyncDirectory(this.layout.sessionsDirectory, this.durability);
    this.records.delete(sessionId);
    this.states.delete(sessionId);
    this.doubtful.delete(sessionId);
    try {
      await this.finishDelete(sessionId, parent.sideBytes);
    } catch (error) {
      this.unfinishedDeletes.add(sessionId);
      this.logger.warn(`jsonl store: session ${sessionId} is deleted but some of its files remain: ${String(error)}`);
    }
  }

  /** Copies the part of `parent`'s own log that `childId` reads through into the child's file. */
  private async materialise(childId: string, parent: SessionSummary): Promise<void> {
    const child = await this.state(childId);
    const link = child.record.inheritsFrom;
    if (!link) return;
    const { size } = await this.events.rewrite(childId, [
      {
        sessionId: parent.id,
        afterSeq: parent.inheritsFrom?.seq ?? 0,
        throughSeq: link.seq,
        fileLastSeq: parent.lastSeq,
      },
      { sessionId: childId, afterSeq: link.seq, throughSeq: child.record.lastSeq, fileLastSeq: child.record.lastSeq },
    ]);
    const base = parent.inheritsFrom;
    const record: SessionRecord = {
      ...child.record,
      inheritsFrom: base ? { sessionId: base.sessionId, seq: Math.min(base.seq, link.seq) } : null,
    };
    await this.commit(childId, { ...child, record }, size);
  }

  /** Removes a deleted session's files, the tombstone last, so this can run again after a crash. */
  private async finishDelete(sessionId: string, sideBytes: number | null): Promise<void> {
    if (this.records.has(sessionId)) {
      // A live session with the same id owns the files now; only the stale tombstone goes.
      await removeFile(this.layout.tombstoneFile(sessionId));
      return;
    }
    const tombstone = sideBytes ?? (await this.readMetaFile(this.layout.tombstoneFile(sessionId)))?.sideBytes ?? 0;
    const snapshotIds: string[] = [];
    await forEachSideEntry(this.layout.sideFile(sessionId), tombstone, this.logger, (entry) => {
      if (entry.kind === 'snapshot') snapshotIds.push(entry.snapshot.id);
      return true;
    });
    for (const snapshotId of snapshotIds) await this.removeSnapshotPointer(snapshotId, sessionId);
    await this.events.remove(sessionId);
    await removeFile(this.layout.sideFile(sessionId));
    await this.registry.deleteSessionFiles(sessionId);
    await fsyncDirectory(this.layout.snapshotsDirectory, this.durability);
    await fsyncDirectory(this.layout.filesDirectory, this.durability);
    await removeFile(this.layout.tombstoneFile(sessionId));
    await fsyncDirectory(this.layout.sessionsDirectory, this.durability);
    this.unfinishedDeletes.delete(sessionId);
  }

  private async removeSnapshotPointer(snapshotId: string, sessionId: string): Promise<void> {
    // An append elsewhere may be reusing the id (free again once this session is gone): leave it be.
    if (this.snapshotReservations.has(snapshotId)) return;
    const pointer = await readSnapshotPointer(this.layout, snapshotId);
    if (pointer?.sessionId !== sessionId || this.snapshotReservations.has(snapshotId)) return;
    await removeFile(this.layout.snapshotPointerFile(snapshotId));
  }

  /** Cuts the side log back to its committed length (a crashed append may have written past it). */
  private async recoverSideLog(sessionId: string, sideBytes: number): Promise<void> {
    const path = this.layout.sideFile(sessionId);
    let size = 0;
    try {
      size = (await stat(path)).size;
    } catch (error) {
      if (!hasErrorCode(error, 'ENOENT')) throw error;
    }
    if (size > sideBytes) {
      this.logger.warn(`jsonl store: dropped ${size - sideBytes} uncommitted bytes at the end of ${path}`);
      await truncateDurably(path, sideBytes, this.durability);
    } else if (size < sideBytes) {
      this.logger.warn(`jsonl store: ${path} is ${sideBytes - size} bytes shorter than committed`);
    }
  }

  private async readMetaFile(path: string): Promise<SessionMeta | null> {
    try {
      const value = await readJsonFile(path);
      return value === undefined ? null : decodeMeta(value);
    } catch (error) {
      this.logger.warn(`jsonl store: skipped unreadable session file ${path}: ${String(error)}`);
      return null;
    }
  }
}
