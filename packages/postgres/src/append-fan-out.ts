import type { Database } from './database.js';
import { APPEND_CHANNEL, type AppendNotice, decodeAppendNotice } from './notices.js';
import type { NotificationListener } from './notification-listener.js';

type AppendListener = (sessionId: string, lastSeq: number) => void;

/** How far before a connection loss the catch-up looks, to allow for clock skew between writers. */
const CATCH_UP_MARGIN_MS = 60_000;
/** The most sessions one catch-up reports: beyond this, readers rely on their own polling. */
const CATCH_UP_LIMIT = 10_000;

/**
 * `onAppend` of the store: delivers this instance's appends right after their commit, and other
 * instances' (any process) when their NOTIFY arrives, ignoring its own echo and other schemas.
 * After the LISTEN connection was lost and restored, it reports every session active since shortly
 * before the loss, so readers woken by notifications miss nothing that happened meanwhile (a
 * reader re-reads from its own position, so a report too many is harmless; one too few is not).
 */
export class AppendFanOut {
  /** What this instance puts in its notices, so that it can recognise its own. */
  readonly noticeOrigin: Omit<AppendNotice, 'sessionId' | 'lastSeq'>;
  private readonly listeners = new Set<AppendListener>();
  private attached = false;

  constructor(
    private readonly database: Database,
    schema: string,
    origin: string,
  ) {
    this.noticeOrigin = { schema, origin };
  }

  /** Starts receiving other processes' notices through `listener` (once). */
  attach(listener: NotificationListener): void {
    if (this.attached || this.database.isClosed) return;
    this.attached = true;
    listener.subscribe(APPEND_CHANNEL, (payload) => this.receive(payload));
  }

  /** Adds a listener; returns the function that removes it. */
  add(listener: AppendListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every listener that `sessionId` grew to `lastSeq`. A throwing listener is reported, not propagated. */
  emit(sessionId: string, lastSeq: number): void {
    for (const listener of this.listeners) {
      try {
        listener(sessionId, lastSeq);
      } catch (error) {
        // The append is committed: a misbehaving listener must not turn it into a reported failure.
        process.emitWarning(`an onAppend listener threw: ${String(error)}`);
      }
    }
  }

  /** Reports every session with activity since shortly before `lostAt`. Best effort: errors are dropped. */
  async catchUp(lostAt: Date): Promise<void> {
    if (this.listeners.size === 0) return;
    const since = new Date(lostAt.getTime() - CATCH_UP_MARGIN_MS).toISOString();
    try {
      const rows = await this.database.reads.rows<{ id: string; last_seq: number }>(
        `SELECT id, (body->>'lastSeq')::integer AS last_seq FROM ${this.database.tables.sessions}
         WHERE last_activity_at >= $1 ORDER BY last_activity_at DESC LIMIT ${CATCH_UP_LIMIT}`,
        [since],
      );
      for (const row of rows) this.emit(row.id, row.last_seq);
    } catch {
      // The database is unreachable again; the next reconnection catches up once more.
    }
  }

  private receive(payload: string): void {
    const notice = decodeAppendNotice(payload);
    if (!notice || notice.schema !== this.noticeOrigin.schema || notice.origin === this.noticeOrigin.origin) return;
    this.emit(notice.sessionId, notice.lastSeq);
  }
}
