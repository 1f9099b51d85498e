import type { FileHandle } from 'node:fs/promises';
import type { EventType, SessionEvent } from 'confab';
import {
  appendDurably,
  createAtomicWriter,
  type Durability,
  openForReading,
  removeFile,
  truncateDurably,
} from './atomic-file.js';
import { encodeEventLine, lineSeq, parseEventLine, peekType } from './event-line.js';
import { forEachLine, forEachLineBackward, type Line } from './line-reader.js';
import { LruMap } from './lru-map.js';
import { OffsetIndex } from './offset-index.js';

/** Where the store reports damage it worked around. */
export interface WarningLogger {
  warn(message: string): void;
}

/** A stored line found while scanning a session's own log. */
interface ScannedEvent {
  event: SessionEvent;
  line: Line;
}

/** Position of each line an append wrote, to feed the offset index once the append commits. */
export interface AppendedLines {
  end: number;
  positions: { seq: number; offset: number }[];
}

/**
 * The events files, one per session, holding that session's *own* events (never its fork
 * parents'). The file may hold lines that are not part of the log: a torn or uncommitted tail
 * after a crash, lines damaged on disk, duplicates, or events at or below the session's fork
 * point. Readers therefore filter by seq range, keep the first line per seq and skip bad lines
 * with a warning; only seqs up to the session's committed `lastSeq` are ever asked for.
 */
export class EventLog {
  private readonly offsets = new LruMap<string, OffsetIndex>(256);

  constructor(
    private readonly pathOf: (sessionId: string) => string,
    private readonly durability: Durability,
    private readonly logger: WarningLogger,
  ) {}

  /**
   * Up to `limit` own events of a session with seq in (`afterSeq`, `throughSeq`], oldest first,
   * only those of `types` when it is not null. `fileLastSeq` (the session's committed last seq)
   * helps choose where to start reading.
   */
  async readRange(
    sessionId: string,
    afterSeq: number,
    throughSeq: number,
    limit: number,
    fileLastSeq: number,
    types: readonly EventType[] | null = null,
  ): Promise<SessionEvent[]> {
    const events: SessionEvent[] = [];
    if (limit <= 0) return events;
    const wanted = types === null ? null : new Set<string>(types);
    await this.scan(
      sessionId,
      afterSeq,
      throughSeq,
      fileLastSeq,
      ({ event }) => {
        events.push(event);
        return events.length < limit;
      },
      wanted,
    );
    return events;
  }

  /** The newest own event of `type` with seq in (`afterSeq`, `throughSeq`], or null. */
  async findLatest(
    sessionId: string,
    type: SessionEvent['type'],
    afterSeq: number,
    throughSeq: number,
  ): Promise<SessionEvent | null> {
    if (throughSeq <= afterSeq) return null;
    const handle = await openForReading(this.pathOf(sessionId));
    if (!handle) return null;
    let found: SessionEvent | null = null;
    try {
      // Newest first: a recent event (the usual case for compactions) is found without reading far.
      await forEachLineBackward(handle, (line) => {
        const seq = lineSeq(line.bytes);
        if (seq === null || seq > throughSeq) return true;
        if (seq <= afterSeq) return false;
        const event = parseEventLine(line.bytes);
        if (event?.type !== type) return true;
        found = event;
        return false;
      });
    } finally {
      await handle.close();
    }
    return found;
  }

  /**
   * Makes the file end exactly after its last committed line (seq ≤ `lastSeq`), cutting off what a
   * crash left behind (a torn line, or lines of an append whose meta never committed), so the next
   * append starts on a fresh line and cannot be shadowed by a stale line of the same seq. Returns
   * the committed size.
   */
  async recoverTail(sessionId: string, lastSeq: number): Promise<number> {
    const path = this.pathOf(sessionId);
    const handle = await openForReading(path);
    if (!handle) return 0;
    let size: number;
    let end = 0;
    try {
      size = (await handle.stat()).size;
      await forEachLineBackward(handle, (line) => {
        const seq = line.complete ? lineSeq(line.bytes) : null;
        if (seq === null || seq > lastSeq) return true;
        end = line.end;
        return false;
      });
    } finally {
      await handle.close();
    }
    if (end < size) {
      this.logger.warn(
        `jsonl store: dropped ${size - end} bytes after the last committed event (seq ${lastSeq}) of ${path}: ` +
          'a torn or unacknowledged write from a crash',
      );
      await truncateDurably(path, end, this.durability);
      this.offsets.delete(sessionId);
    }
    return end;
  }

  /** Appends `events` durably at `end` (the committed size); the caller commits the meta after. */
  async append(sessionId: string, events: SessionEvent[], end: number): Promise<AppendedLines> {
    const lines = events.map((event) => encodeEventLine(event));
    const positions: AppendedLines['positions'] = [];
    let offset = end;
    lines.forEach((line, index) => {
      positions.push({ seq: (events[index] as SessionEvent).seq, offset });
      offset += line.byteLength;
    });
    await appendDurably(this.pathOf(sessionId), Buffer.concat(lines), this.durability, end === 0);
    return { end: offset, positions };
  }

  /** Remembers the positions of a committed append. */
  noteAppended(sessionId: string, appended: AppendedLines): void {
    const index = this.indexOf(sessionId);
    for (const position of appended.positions) index.note(position.seq, position.offset);
  }

  /**
   * Replaces a session's file with `sources` concatenated, each a seq range of some session's own
   * log re-labelled with `sessionId`. Atomic: a crash leaves the old file or the complete new one.
   * Returns the new size.
   */
  async rewrite(
    sessionId: string,
    sources: { sessionId: string; afterSeq: number; throughSeq: number; fileLastSeq: number }[],
  ): Promise<{ size: number; lines: number }> {
    const writer = await createAtomicWriter(this.pathOf(sessionId), this.durability);
    let lines = 0;
    try {
      for (const source of sources) {
        let written: Promise<void> = Promise.resolve();
        await this.scan(source.sessionId, source.afterSeq, source.throughSeq, source.fileLastSeq, ({ event }) => {
          // Each write is chained after the previous one, so awaiting the last covers them all.
          written = writer.write(encodeEventLine(event, sessionId));
          lines++;
          return true;
        });
        await written;
      }
    } catch (error) {
      await writer.abort();
      throw error;
    }
    const size = await writer.commit();
    this.offsets.delete(sessionId);
    return { size, lines };
  }

  /** Counts the lines of a session's file, for reporting what a rewrite dropped. */
  async countLines(sessionId: string): Promise<number> {
    const handle = await openForReading(this.pathOf(sessionId));
    if (!handle) return 0;
    let count = 0;
    try {
      await forEachLine(handle, 0, () => {
        count++;
        return true;
      });
    } finally {
      await handle.close();
    }
    return count;
  }

  /** Deletes a session's file. */
  async remove(sessionId: string): Promise<void> {
    this.offsets.delete(sessionId);
    await removeFile(this.pathOf(sessionId));
  }

  /** Forgets the remembered positions, e.g. after a failed write left the file in doubt. */
  forget(sessionId: string): void {
    this.offsets.delete(sessionId);
  }

  private indexOf(sessionId: string): OffsetIndex {
    let index = this.offsets.get(sessionId);
    if (!index) {
      index = new OffsetIndex();
      this.offsets.set(sessionId, index);
    }
    return index;
  }

  /** Visits the own events in (`afterSeq`, `throughSeq`] in seq order, until `visit` returns false. */
  private async scan(
    sessionId: string,
    afterSeq: number,
    throughSeq: number,
    fileLastSeq: number,
    visit: (found: ScannedEvent) => boolean,
    wanted: ReadonlySet<string> | null = null,
  ): Promise<void> {
    if (throughSeq <= afterSeq) return;
    const path = this.pathOf(sessionId);
    const handle = await openForReading(path);
    if (!handle) return;
    const index = this.indexOf(sessionId);
    try {
      const start = await this.startOffset(handle, index, afterSeq, fileLastSeq);
      let previousSeq = afterSeq;
      await forEachLine(handle, start, (line) => {
        if (line.bytes.byteLength === 0) return true;
        const seq = lineSeq(line.bytes);
        if (seq === null) {
          this.warnBadLine(path, line);
          return true;
        }
        if (seq > throughSeq) return false;
        index.note(seq, line.start);
        // A seq at or below the previous one is a duplicate (or inherited residue): first one wins.
        if (seq <= previousSeq) return true;
        // A line of a type not asked for is passed over on its prefix, never parsed.
        const peeked = wanted === null ? null : peekType(line.bytes);
        if (peeked !== null && !wanted?.has(peeked)) {
          previousSeq = seq;
          return seq < throughSeq;
        }
        const event = parseEventLine(line.bytes);
        if (!event || event.seq !== seq) {
          this.warnBadLine(path, line);
          return true;
        }
        previousSeq = seq;
        if (wanted !== null && !wanted.has(event.type)) return seq < throughSeq;
        return visit({ event, line }) && seq < throughSeq;
      });
    } finally {
      await handle.close();
    }
  }

  /**
   * Where to start reading for seqs after `afterSeq`: forward from the nearest remembered position,
   * or, when the wanted seqs are closer to the end of the log, found by walking back from the end.
   */
  private async startOffset(
    handle: FileHandle,
    index: OffsetIndex,
    afterSeq: number,
    fileLastSeq: number,
  ): Promise<number> {
    const known = index.floor(afterSeq + 1);
    const forwardDistance = afterSeq + 1 - (known?.seq ?? 1);
    const backwardDistance = fileLastSeq - afterSeq;
    if (forwardDistance <= backwardDistance) return known?.offset ?? 0;
    let start = known?.offset ?? 0;
    await forEachLineBackward(handle, (line) => {
      if (line.end <= start) return false;
      const seq = line.complete ? lineSeq(line.bytes) : null;
      if (seq === null || seq > afterSeq) return true;
      index.note(seq, line.start);
      start = line.end;
      return false;
    });
    return start;
  }

  private warnBadLine(path: string, line: Line): void {
    const kind = line.complete ? 'a corrupt line' : 'a torn last line';
    this.logger.warn(`jsonl store: skipped ${kind} at byte ${line.start} of ${path} (${line.bytes.byteLength} bytes)`);
  }
}
