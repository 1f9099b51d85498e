/**
 * `confab/store`: what a store adapter author needs (DESIGN §7). The port (`SessionStore`, its
 * request and result types, its optional capabilities, folded commits) and the kit of pure
 * helpers every adapter shares so that all stores check and build the same records (append
 * checks, fork chains, page limits, session cursors, storable text, record builders). The records
 * and events a store keeps (`SessionRecord`, `SessionEvent`, `QueuedInput`, …) are the data model
 * of `confab`; `MemoryStore`, the reference store, is exported by `confab` too.
 */

// The kit.
export { checkEventTypes } from './kit/event-type-filter.js';
export {
  FILE_CHUNK_BYTES,
  type FileChunkOptions,
  fileChunks,
  fileTooLarge,
  readFileData,
} from './kit/file-data.js';
export {
  type ChainSegment,
  findLatestInChain,
  type GetInheritance,
  type ReadOwnEvents,
  readChain,
  resolveChain,
} from './kit/fork-chain.js';
export { checkAfter, checkStatusFilter, clampLimit, PAGE_LIMITS } from './kit/limits.js';
export {
  decodeSessionCursor,
  encodeSessionCursor,
  type SessionCursor,
  sessionOrderBefore,
} from './kit/session-cursor.js';
export {
  applyAppendToSession,
  applySessionPatch,
  assertSessionPatch,
  buildApiToken,
  buildApp,
  buildAppendedEvents,
  buildAppendSnapshot,
  buildFileRecord,
  buildForkRecord,
  buildQueuedInput,
  buildSessionRecord,
  checkAppend,
  chooseForkSnapshot,
  isLeaseLive,
} from './kit/session-record.js';
export {
  checkSessionSearch,
  MAX_SESSION_SEARCH_CHARS,
  matchesSessionSearch,
  sessionSearchLikePattern,
} from './kit/session-search.js';
export {
  assertStorableText,
  findUnstorableText,
  isStorableText,
  replaceUnstorableText,
} from './kit/storable-text.js';
export {
  type AppendedInput,
  buildAppendedInputs,
  type CommitFolding,
  checkFoldedAppend,
  checkFoldedRelease,
  type FoldedAppendRequest,
  type FoldedAppendResult,
  type FoldedLeaseAcquisition,
  grantFoldedLease,
  type LeaseAcquisition,
  type PreviousLease,
} from './port/commit-folding.js';
export { checkLeaseBatch, type LeaseRenewal } from './port/lease-renewal.js';
// The port.
export {
  type AppendNotifier,
  type AppendRequest,
  type AppendResult,
  type ClaimInputsRequest,
  type EventPage,
  type FileStorage,
  type ForkRequest,
  hasAppendNotifier,
  hasStopSignaller,
  type ListSessionsQuery,
  type ReadContextOptions,
  type ReadEventsQuery,
  type SessionContext,
  type SessionCounting,
  type SessionPage,
  type SessionStore,
  STORE_SPECIFICATION_VERSION,
  type StopSignaller,
  type SweepRequest,
  type SweepResult,
} from './port/session-store.js';
