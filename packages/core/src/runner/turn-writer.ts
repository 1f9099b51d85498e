import type { DeltaDataMap, DeltaEvent, DeltaType, EventDataMap, EventType, SessionEvent } from '../model/event.js';
import type { SessionPatch, SessionRecord } from '../model/session.js';
import { replaceUnstorableText } from '../store/kit/storable-text.js';
import type { AppendRequest, AppendResult, SessionStore } from '../store/port/session-store.js';
import type { LeaseKeeper } from './lease-keeper.js';

/** What a turn's stream carries: persisted events and stream-only deltas, in order. */
export type StreamEvent = SessionEvent | DeltaEvent;

/** An event a turn writes; the writer adds the turn index. */
export type TurnEventInput = { [K in EventType]: { type: K; data: EventDataMap[K] } }[EventType];

/** Options of one append, applied atomically with it. */
export interface TurnAppendOptions {
  update?: SessionPatch;
  consumeInputIds?: string[];
  snapshot?: { id: string };
}

/**
 * Writes one turn's events under its lease, in order, and hands each persisted event and each
 * delta to `emit` right after it is durable (deltas: right away, numbered after the last persisted
 * seq). Keeps the session record current from the store's answers.
 */
export class TurnWriter {
  /** Every event this writer persisted, oldest first. */
  readonly written: SessionEvent[] = [];
  private sub = 0;
  private chain: Promise<unknown> = Promise.resolve();
  /** The `at` of the last delta and its epoch ms: deltas come many per millisecond. */
  private deltaAt = '';
  private deltaAtMs = Number.NaN;

  constructor(
    private readonly store: SessionStore,
    /** The lease the writes are fenced with. */
    readonly keeper: LeaseKeeper,
    private current: SessionRecord,
    readonly turn: number,
    private readonly emit: (event: StreamEvent) => void,
  ) {}

  /** The session as of the last append. */
  get session(): SessionRecord {
    return this.current;
  }

  /** Seq of the newest persisted event. */
  get lastSeq(): number {
    return this.current.lastSeq;
  }

  /**
   * Appends events durably, then emits them. Appends are serialised, so concurrent callers (tools
   * finishing together) still get contiguous, ordered seqs. `via` replaces the store's
   * `appendEvents` for a variant of it that takes the same request (e.g. `appendFolded`).
   */
  append(
    events: TurnEventInput[],
    options: TurnAppendOptions = {},
    via: (request: AppendRequest) => Promise<AppendResult> = (request) => this.store.appendEvents(request),
  ): Promise<SessionEvent[]> {
    const next = this.chain.then(async () => {
      const result = await via({
        sessionId: this.current.id,
        lease: this.keeper.lease,
        // What the runner writes comes from models and tools, not from a client's request: text
        // no store can keep is replaced (U+FFFD) rather than failing the turn.
        events: events.map(
          (event) => ({ ...event, data: replaceUnstorableText(event.data), turn: this.turn }) as never,
        ),
        ...options,
        ...(options.update ? { update: replaceUnstorableText(options.update) } : {}),
      });
      this.current = result.session;
      this.sub = 0;
      this.written.push(...result.events);
      for (const event of result.events) this.emit(event);
      return result.events;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Emits a stream-only delta positioned after the last persisted event. */
  delta<K extends DeltaType>(type: K, data: DeltaDataMap[K]): DeltaEvent {
    this.sub += 1;
    const now = Date.now();
    if (now !== this.deltaAtMs) {
      this.deltaAtMs = now;
      this.deltaAt = new Date(now).toISOString();
    }
    const event = {
      seq: this.current.lastSeq,
      sub: this.sub,
      sessionId: this.current.id,
      turn: this.turn,
      type,
      at: this.deltaAt,
      data,
    } as DeltaEvent;
    this.emit(event);
    return event;
  }
}
