import fc from 'fast-check';
import { type BodyPlan, badHeaderValue } from './fuzz-values.js';

/**
 * The shape of one generated request and the generators shared by every route: who calls, on
 * which session, with which headers. Ids are written as `{{ref}}` placeholders, resolved when the
 * request is sent ({@link FuzzState.resolve}), because the sessions, snapshots and pending tool
 * calls a valid request needs only exist once earlier requests made them.
 */

/** Who the request claims to be: app a, app b (the other tenant), nobody, or a raw header. */
export type AuthPlan = 'a' | 'b' | 'none' | { header: string };

/** One request to send, as plain data. */
export interface RequestPlan {
  /** The OpenAPI operation (`post /v1/sessions/{id}/turns`), or `unknown-route` / `wrong-method`. */
  operation: string;
  method: string;
  /** May hold `{{ref}}` placeholders. */
  path: string;
  query: string;
  headers: Record<string, string>;
  body: BodyPlan | null;
  /** `valid`, or the name of the mutation applied to the body. */
  mutation: string;
  auth: AuthPlan;
  /** Sent with `Accept: text/event-stream`. */
  stream: boolean;
  /** Chooses among the candidates of a placeholder, so a plan names one concrete target. */
  pick: number;
}

/** The placeholders a plan may hold (see {@link FuzzState.resolve}). */
export type RefName =
  | 'core'
  | 'interrupted'
  | 'spare'
  | 'foreign'
  | 'missing'
  | 'snapshot'
  | 'foreignSnapshot'
  | 'file'
  | 'foreignFile'
  | 'pending'
  | 'cursor'
  | 'chat'
  | 'runningChat'
  | 'chatAssistant'
  | 'chatToolCall';

/** `{{name}}`, the placeholder of `name`. */
export const ref = (name: RefName) => `{{${name}}}`;

/** Ids that are not ids: bad percent-encoding, path tricks, huge, control characters, emoji. */
const GARBAGE_IDS = [
  '%FF',
  '..%2F..',
  'x'.repeat(3000),
  '%E2%82',
  'ses_%00',
  encodeURIComponent('🙂'),
  `ses_${'f'.repeat(32)}`,
  '%20',
  'ses_%0A',
  '%25',
  'null',
  '-1',
];

/** Mostly app a's own token, so most requests reach the handlers; sometimes b, none or garbage. */
export const authPlan: fc.Arbitrary<AuthPlan> = fc.oneof(
  { weight: 24, arbitrary: fc.constant<AuthPlan>('a') },
  { weight: 2, arbitrary: fc.constant<AuthPlan>('b') },
  { weight: 1, arbitrary: fc.constant<AuthPlan>('none') },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.constantFrom('Bearer', 'Bearer ', 'Basic abc', 'Bearer a b', 'bearer\ttoken', 'token-only'),
        badHeaderValue.map((value) => `Bearer ${value}`),
        fc.constant(`Bearer ${'x'.repeat(600)}`),
      )
      .map((header): AuthPlan => ({ header })),
  },
);

/**
 * A session id for a route that reads or runs turns: mostly app a's long-lived sessions (so turns
 * pile up state), sometimes a freshly created one, another app's, a missing one or garbage.
 */
export const sessionRef: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.constant(ref('core')) },
  { weight: 3, arbitrary: fc.constant(ref('spare')) },
  { weight: 1, arbitrary: fc.constant(ref('foreign')) },
  { weight: 1, arbitrary: fc.constant(ref('missing')) },
  { weight: 2, arbitrary: fc.constantFrom(...GARBAGE_IDS) },
);

/** A session id for a resume: mostly one of a's sessions with a pending client tool call. */
export const interruptedSessionRef: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(ref('interrupted')) },
  { weight: 2, arbitrary: sessionRef },
);

/** A session id for a route that closes, deletes or archives: never one of the long-lived ones. */
export const disposableSessionRef: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.constant(ref('spare')) },
  { weight: 1, arbitrary: fc.constant(ref('foreign')) },
  { weight: 1, arbitrary: fc.constant(ref('missing')) },
  { weight: 1, arbitrary: fc.constantFrom(...GARBAGE_IDS) },
);

/** A channel name: a few reused ones (so resolve and rotate meet existing sessions), odd ones, bad ones. */
export const channelName: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('room-1', 'room-2', 'dm:alice', 'slack:C042') },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.constantFrom('%00', '%0A', 'c'.repeat(300), '%FF', '%2F', '%20', '%7F') },
);

/** An `Idempotency-Key`: usually none, often a fresh valid one, sometimes a reused or bad one. */
export const idempotencyHeader: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({}) },
  { weight: 3, arbitrary: fc.nat().map((key) => ({ 'idempotency-key': `key-${key}` })) },
  { weight: 1, arbitrary: fc.constantFrom({ 'idempotency-key': 'reused-key' }) },
  { weight: 1, arbitrary: badHeaderValue.map((value) => ({ 'idempotency-key': value })) },
);

/** A `Last-Event-ID`: none, a valid `<seq>` or `<seq>.<sub>`, or garbage. */
export const lastEventIdHeader: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({}) },
  { weight: 3, arbitrary: fc.nat({ max: 60 }).map((seq) => ({ 'last-event-id': String(seq) })) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.nat({ max: 60 }), fc.nat({ max: 9 })).map(([seq, sub]) => ({
      'last-event-id': `${seq}.${sub}`,
    })),
  },
  { weight: 2, arbitrary: badHeaderValue.map((value) => ({ 'last-event-id': value })) },
);

/** Whether to ask for SSE on a route that offers it. */
export const streamFlag = fc.boolean();

/** Fills in the fields every plan shares. */
export function plan(
  fields: Omit<RequestPlan, 'auth' | 'pick' | 'query' | 'headers' | 'stream' | 'body' | 'mutation'> &
    Partial<RequestPlan>,
): fc.Arbitrary<RequestPlan> {
  return fc.tuple(authPlan, fc.nat()).map(([auth, pick]) => ({
    query: '',
    headers: {},
    stream: false,
    body: null,
    mutation: 'valid',
    auth,
    pick,
    ...fields,
  }));
}
