import fc from 'fast-check';
import {
  createSessionBody,
  emptyBody,
  forkBody,
  inputBody,
  patchSessionBody,
  resolveBody,
  resumeBody,
  turnBody,
} from './fuzz-bodies.js';
import { chatBody, chatPathId, runningChatPathId } from './fuzz-chat.js';
import {
  channelName,
  disposableSessionRef,
  idempotencyHeader,
  interruptedSessionRef,
  lastEventIdHeader,
  plan,
  type RequestPlan,
  ref,
  sessionRef,
  streamFlag,
} from './fuzz-plan.js';
import { anyText, type BodyPlan, bodyVariants, queryString } from './fuzz-values.js';

/**
 * One generator per operation of DESIGN §6, keyed like the OpenAPI document (`<method> <path>`),
 * plus unknown routes and wrong methods. {@link requestPlans} mixes them; the fuzz test checks that
 * the keys here are exactly the operations of `GET /v1/openapi.json`, so a new route cannot be
 * left out silently.
 */

type Body = fc.Arbitrary<Record<string, unknown>>;

/** A route with a JSON body: the path and the body's variants (valid and mutated). */
function withBody(
  method: string,
  operation: string,
  path: fc.Arbitrary<string>,
  body: Body,
  extra: fc.Arbitrary<Partial<RequestPlan>> = fc.constant({}),
): fc.Arbitrary<RequestPlan> {
  return fc
    .tuple(path, bodyVariants(body), extra)
    .chain(([concretePath, variant, more]) =>
      plan({ operation, method, path: concretePath, body: variant.body, mutation: variant.mutation, ...more }),
    );
}

/**
 * A route without a body (GET, or a POST whose body is ignored). A GET is sometimes sent as HEAD,
 * which every GET route answers too, streams included.
 */
function withoutBody(
  method: string,
  operation: string,
  path: fc.Arbitrary<string>,
  extra: fc.Arbitrary<Partial<RequestPlan>> = fc.constant({}),
): fc.Arbitrary<RequestPlan> {
  const methods =
    method === 'GET'
      ? fc.oneof({ weight: 8, arbitrary: fc.constant('GET') }, { weight: 1, arbitrary: fc.constant('HEAD') })
      : fc.constant(method);
  return fc
    .tuple(path, extra, methods)
    .chain(([concretePath, more, concreteMethod]) =>
      plan({ operation, method: concreteMethod, path: concretePath, ...more }),
    );
}

const session = (suffix = '') => sessionRef.map((id) => `/v1/sessions/${id}${suffix}`);
const disposable = (suffix = '') => disposableSessionRef.map((id) => `/v1/sessions/${id}${suffix}`);
const whole = (max: number) => fc.integer({ min: 0, max }).map(String);
const turnExtras = fc
  .tuple(idempotencyHeader, streamFlag)
  .map(([headers, stream]): Partial<RequestPlan> => ({ headers, stream }));

/** A multipart upload: a well-formed one with a file part, one without, or a broken one. */
const multipartBody: fc.Arbitrary<BodyPlan> = fc.constantFrom<BodyPlan>(
  {
    text: '--zzz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--zzz--\r\n',
    contentType: 'multipart/form-data; boundary=zzz',
  },
  {
    text: '--zzz\r\nContent-Disposition: form-data; name="x"\r\n\r\nvalue\r\n--zzz--\r\n',
    contentType: 'multipart/form-data; boundary=zzz',
  },
  { text: '--zzz\r\ngarbage', contentType: 'multipart/form-data; boundary=zzz' },
  { text: 'no boundary at all', contentType: 'multipart/form-data' },
);

/** Raw file bytes with some content type, or an empty body. */
const rawFileBody: fc.Arbitrary<BodyPlan> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.string({ minLength: 1, maxLength: 200 }).map((text) => ({ text, contentType: 'text/plain' })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.uint8Array({ minLength: 1, maxLength: 512 }), fc.constantFrom(null, 'image/png', 'bad type', 'a/b/c'))
      .map(([bytes, contentType]) => ({ bytes, contentType })),
  },
  { weight: 1, arbitrary: fc.constant<BodyPlan>({ text: '', contentType: 'text/plain' }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 256 * 1024 + 1, max: 600_000 })
      .map((size) => ({ text: 'f'.repeat(size), contentType: 'text/plain' })),
  },
);

const chat = (suffix: string) => chatPathId.map((id) => `/v1/chat/${id}${suffix}`);

/** Every operation of DESIGN §6 and §9, keyed `<method> <OpenAPI path>`. */
export const OPERATION_PLANS: Record<string, fc.Arbitrary<RequestPlan>> = {
  'post /v1/sessions': withBody('POST', 'post /v1/sessions', fc.constant('/v1/sessions'), createSessionBody),
  'get /v1/sessions': withoutBody(
    'GET',
    'get /v1/sessions',
    fc.constant('/v1/sessions'),
    queryString({
      channel: fc.constantFrom('room-1', 'created-room-1', 'dm:alice'),
      status: fc.constantFrom('active', 'archived', 'closed', 'all'),
      limit: whole(250),
      cursor: fc.constantFrom(ref('cursor'), 'garbage', '%FF%FE'),
    }).map((query) => ({ query })),
  ),
  'get /v1/sessions/{id}': withoutBody('GET', 'get /v1/sessions/{id}', session()),
  'patch /v1/sessions/{id}': withBody('PATCH', 'patch /v1/sessions/{id}', session(), patchSessionBody),
  'delete /v1/sessions/{id}': withoutBody(
    'DELETE',
    'delete /v1/sessions/{id}',
    disposable(),
    queryString({ hard: fc.constantFrom('true', 'false') }).map((query) => ({ query })),
  ),
  'post /v1/sessions/{id}/archive': withBody(
    'POST',
    'post /v1/sessions/{id}/archive',
    disposable('/archive'),
    emptyBody,
  ),
  'post /v1/sessions/{id}/turns': withBody(
    'POST',
    'post /v1/sessions/{id}/turns',
    session('/turns'),
    turnBody,
    turnExtras,
  ),
  'post /v1/sessions/{id}/inputs': withBody(
    'POST',
    'post /v1/sessions/{id}/inputs',
    session('/inputs'),
    inputBody,
    idempotencyHeader.map((headers) => ({ headers })),
  ),
  'post /v1/sessions/{id}/resume': withBody(
    'POST',
    'post /v1/sessions/{id}/resume',
    interruptedSessionRef.map((id) => `/v1/sessions/${id}/resume`),
    resumeBody,
    streamFlag.map((stream) => ({ stream })),
  ),
  'post /v1/sessions/{id}/stop': withBody('POST', 'post /v1/sessions/{id}/stop', session('/stop'), emptyBody),
  'get /v1/sessions/{id}/events': withoutBody(
    'GET',
    'get /v1/sessions/{id}/events',
    session('/events'),
    fc
      .tuple(queryString({ after: whole(80), limit: whole(1500) }), lastEventIdHeader, streamFlag)
      .map(([query, headers, stream]) => ({ query, headers, stream })),
  ),
  'get /v1/sessions/{id}/messages': withoutBody(
    'GET',
    'get /v1/sessions/{id}/messages',
    session('/messages'),
    queryString({ cursor: fc.constantFrom('0', '5', 'garbage', ''), limit: whole(1500) }).map((query) => ({ query })),
  ),
  'get /v1/sessions/{id}/snapshots': withoutBody('GET', 'get /v1/sessions/{id}/snapshots', session('/snapshots')),
  'post /v1/sessions/{id}/fork': withBody('POST', 'post /v1/sessions/{id}/fork', session('/fork'), forkBody),
  'post /v1/sessions/{id}/compact': withBody('POST', 'post /v1/sessions/{id}/compact', session('/compact'), emptyBody),
  'post /v1/channels/{channel}/resolve': withBody(
    'POST',
    'post /v1/channels/{channel}/resolve',
    channelName.map((name) => `/v1/channels/${name}/resolve`),
    resolveBody,
  ),
  'post /v1/channels/{channel}/rotate': withBody(
    'POST',
    'post /v1/channels/{channel}/rotate',
    channelName.map((name) => `/v1/channels/${name}/rotate`),
    emptyBody,
  ),
  'get /v1/lifecycle': withoutBody(
    'GET',
    'get /v1/lifecycle',
    fc.constant('/v1/lifecycle'),
    fc.constant({ stream: true }),
  ),
  'post /v1/files': fc
    .tuple(
      fc.oneof({ weight: 3, arbitrary: rawFileBody }, { weight: 1, arbitrary: multipartBody }),
      queryString({
        ttlSeconds: fc.integer({ min: 60, max: 86_400 }).map(String),
        name: fc.string({ minLength: 1, maxLength: 20 }),
      }),
    )
    .chain(([body, query]) => plan({ operation: 'post /v1/files', method: 'POST', path: '/v1/files', body, query })),
  'post /v1/chat': withBody('POST', 'post /v1/chat', fc.constant('/v1/chat'), chatBody),
  'get /v1/chat/{id}/stream': withoutBody(
    'GET',
    'get /v1/chat/{id}/stream',
    runningChatPathId.map((id) => `/v1/chat/${id}/stream`),
  ),
  'post /v1/chat/{id}/stop': withBody('POST', 'post /v1/chat/{id}/stop', chat('/stop'), emptyBody),
  'get /v1/chat/{id}/messages': withoutBody('GET', 'get /v1/chat/{id}/messages', chat('/messages')),
  'get /v1/openapi.json': withoutBody('GET', 'get /v1/openapi.json', fc.constant('/v1/openapi.json')),
  'get /healthz': withoutBody('GET', 'get /healthz', fc.constant('/healthz')),
  'get /metrics': withoutBody('GET', 'get /metrics', fc.constant('/metrics')),
};

/** The methods each known path allows; the others must answer 405. */
const KNOWN_PATHS: Array<[string, string[]]> = [
  ['/v1/sessions', ['GET', 'POST']],
  [`/v1/sessions/${ref('core')}`, ['GET', 'PATCH', 'DELETE']],
  [`/v1/sessions/${ref('core')}/turns`, ['POST']],
  [`/v1/sessions/${ref('core')}/events`, ['GET']],
  [`/v1/sessions/${ref('core')}/snapshots`, ['GET']],
  [`/v1/sessions/${ref('core')}/stop`, ['POST']],
  ['/v1/channels/room-1/resolve', ['POST']],
  ['/v1/lifecycle', ['GET']],
  ['/v1/chat', ['POST']],
  ['/v1/chat/fuzz-chat-1/stream', ['GET']],
  ['/v1/chat/fuzz-chat-1/messages', ['GET']],
  ['/v1/files', ['POST']],
  ['/v1/openapi.json', ['GET']],
  ['/healthz', ['GET']],
  ['/metrics', ['GET']],
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

/** A known path with a method it does not allow (HEAD counts as allowed where GET is). */
export const wrongMethodPlan: fc.Arbitrary<RequestPlan> = fc.constantFrom(...KNOWN_PATHS).chain(([path, allowed]) => {
  const wrong = METHODS.filter(
    (method) => !allowed.includes(method) && !(method === 'HEAD' && allowed.includes('GET')),
  );
  return fc.constantFrom(...wrong).chain((method) => plan({ operation: 'wrong-method', method, path }));
});

/** A path no route has: other versions, extra or missing segments, odd characters. */
export const unknownRoutePlan: fc.Arbitrary<RequestPlan> = fc
  .tuple(
    fc.oneof(
      fc.constantFrom('/', '/v2/sessions', '/v1', '/v1/', '/v1/sessions/a/b/c/d', '/healthz/extra', '/favicon.ico'),
      fc.constantFrom(
        '/v1/channels//resolve',
        `/v1/sessions/${ref('core')}/unknown`,
        '/v1/channels/room-1',
        '/V1/sessions',
      ),
      fc
        .array(anyText.map(encodeURIComponent), { minLength: 1, maxLength: 4 })
        .map((parts) => `/v1/${parts.join('/')}x`),
      fc
        .array(anyText.map(encodeURIComponent), { minLength: 1, maxLength: 3 })
        .map((parts) => `/zz/${parts.join('/')}`),
    ),
    fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
  )
  .chain(([path, method]) => plan({ operation: 'unknown-route', method, path }));

/** How often each operation is drawn: turns and reads most, since they move and show state. */
const WEIGHTS: Record<string, number> = {
  'post /v1/sessions/{id}/turns': 10,
  'post /v1/sessions/{id}/inputs': 4,
  'post /v1/sessions/{id}/resume': 5,
  'post /v1/sessions': 5,
  'get /v1/sessions/{id}/events': 5,
  'post /v1/chat': 4,
  'get /v1/chat/{id}/stream': 2,
};

/** Every request kind, weighted. */
export const requestPlans: fc.Arbitrary<RequestPlan> = fc.oneof(
  ...Object.entries(OPERATION_PLANS).map(([key, arbitrary]) => ({ weight: WEIGHTS[key] ?? 2, arbitrary })),
  { weight: 2, arbitrary: wrongMethodPlan },
  { weight: 2, arbitrary: unknownRoutePlan },
);
