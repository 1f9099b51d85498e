import type { JsonObject } from './json.js';

/**
 * A snapshot: a pointer (session, seq, state version) taken at a turn end. It copies the small
 * custom state so restore and fork are O(1); it never copies history.
 */
export interface Snapshot {
  id: string;
  sessionId: string;
  /** Seq of the `turn-end` event that reported this snapshot. */
  seq: number;
  turn: number;
  stateVersion: number;
  parentSnapshotId: string | null;
  createdAt: string;
}

/** A snapshot with the session state it captured. */
export interface SnapshotWithState extends Snapshot {
  state: JsonObject;
}

/** Where a queued input stands: waiting, claimed by a turn, or written to the log. */
export type InputStatus = 'pending' | 'claimed' | 'consumed';

/** A user input waiting for (or consumed by) a turn. Queued inputs are not events yet. */
export interface QueuedInput {
  id: string;
  sessionId: string;
  text: string;
  files: string[];
  idempotencyKey: string | null;
  status: InputStatus;
  /** The claim that holds the input while status is `claimed`. */
  claimToken: string | null;
  /** Seq of the `input` event that consumed it, once consumed. */
  consumedSeq: number | null;
  /** Turn index that consumed it, once consumed. */
  consumedTurn: number | null;
  createdAt: string;
}

/** Input to `enqueueInput`. */
export interface NewInput {
  /** Assigned when omitted. */
  id?: string;
  text: string;
  files?: string[];
  /** A retry with the same key (per session) returns the first input instead of queueing again. */
  idempotencyKey?: string | null;
}

/**
 * A lease: the right to write a session's log. `token` is a fencing token, strictly increasing per
 * session across all acquisitions, so a writer that lost its lease is rejected by the store.
 */
export interface Lease {
  sessionId: string;
  owner: string;
  token: number;
  expiresAt: string;
}

/** An application: the tenant that owns sessions, tokens and files. */
export interface App {
  id: string;
  name: string;
  createdAt: string;
}

/** A bearer token of an app. Only its hash is stored. */
export interface ApiToken {
  id: string;
  appId: string;
  label: string | null;
  tokenHash: string;
  createdAt: string;
  revokedAt: string | null;
}

/** An uploaded file, referenced from a turn's input by `token` until `expiresAt`. */
export interface FileRecord {
  token: string;
  appId: string;
  sessionId: string | null;
  name: string | null;
  mediaType: string;
  size: number;
  createdAt: string;
  expiresAt: string;
}

/**
 * The bytes of a file to store: whole, or its chunks as they arrive (an upload streamed from a
 * request body), as an async iterable or a web `ReadableStream`. A stream is read once, to its end.
 */
export type FileData = Uint8Array | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/** Input to `putFile`. */
export interface NewFile {
  token: string;
  appId: string;
  sessionId?: string | null;
  name?: string | null;
  mediaType: string;
  /** The bytes: whole, or streamed as chunks (an upload piped from its request body). */
  data: FileData;
  /**
   * Most bytes the file may have: more → `payload_too_large`, thrown while the data streams in, and
   * nothing of the file is kept. No limit when absent.
   */
  maxBytes?: number;
  expiresAt: string;
}
