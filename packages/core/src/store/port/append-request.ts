import type { NewEvent, SessionEvent } from '../../model/event.js';
import type { Lease } from '../../model/records.js';
import type { SessionPatch, SessionRecord } from '../../model/session.js';

/** Write a batch of events to one session's log. */
export interface AppendRequest {
  sessionId: string;
  /** At least one event; they get contiguous seqs after the session's `lastSeq`, in order. */
  events: NewEvent[];
  /**
   * The writer's lease. When given, the append succeeds only while this exact lease (owner and
   * fencing token) is the session's current, unexpired lease; the check and the write are atomic.
   * When omitted, the append fails while any unexpired lease is held on the session.
   */
  lease?: Lease | null;
  /** When given, the append fails with `conflict` unless the session's `lastSeq` equals it. */
  expectedLastSeq?: number;
  /** Session fields changed in the same transaction as the events. */
  update?: SessionPatch;
  /**
   * Claimed inputs to mark consumed in the same transaction. Each must be `claimed` on this session
   * and have an `input` event in this batch (matched by `data.inputId`); otherwise `conflict`.
   */
  consumeInputIds?: string[];
  /**
   * Take a snapshot in the same transaction. It points at the last event of the batch (the
   * `turn-end` reporting it), records the session's state after `update`, and its parent is the
   * session's `lastSnapshotId`.
   */
  snapshot?: { id: string };
}

/** The events as stored and the session after the append. */
export interface AppendResult {
  events: SessionEvent[];
  session: SessionRecord;
}
