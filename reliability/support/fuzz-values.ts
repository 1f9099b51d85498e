import fc from 'fast-check';

/**
 * Building blocks of the fuzzer's requests: the bodies, query values and header values a careless
 * or hostile client sends. Everything here is plain data, so a failing request prints as it was.
 */

/** A request body as sent: JSON text, raw bytes, or none; `contentType` null sends no header. */
export interface BodyPlan {
  text?: string;
  bytes?: Uint8Array;
  contentType: string | null;
}

/** A body and whether it is the unmutated valid one (for the tally of valid vs mutated requests). */
export interface BodyVariant {
  body: BodyPlan | null;
  mutation: string;
}

const JSON_TYPE = 'application/json';

/** JSON text that no parser accepts, including the near misses a hand-written client produces. */
const BAD_JSON = [
  '{',
  '{"input":',
  'nul',
  '[1,2',
  '{"a":1}}',
  "{'input':'x'}",
  '\u0000',
  '{"input":"x",}',
  'NaN',
  '{"a":',
];

/** Query values that are not what a whole-number or enum parameter wants. */
export const BAD_QUERY_VALUES = [
  '-1',
  'abc',
  '1e9',
  '1.5',
  '',
  '0',
  '99999999999999999999',
  'NaN',
  '%FF',
  '%00',
  'true',
  '+5',
  ' 7',
  '0x10',
];

/** Strings of every kind: ASCII, full Unicode (lone surrogates included), and control characters. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', ' ', '\u0000', '\u202e', '🙂'.repeat(30), 'é'.normalize('NFD'), '\r\n', '../..', '%2F'),
);

/** A string long enough to pass the fuzz server's limits (64 KiB bodies, 2,000-character inputs). */
export const hugeText: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('x', 'é', '🙂', '\\"'), fc.integer({ min: 2_001, max: 300_000 }))
  .map(([unit, count]) => unit.repeat(Math.ceil(count / unit.length)));

/** JSON nested `depth` levels deep (arrays or objects), as text: built without recursion. */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A JSON body of `value` with the JSON content type. */
export function jsonBody(value: unknown, contentType: string | null = JSON_TYPE): BodyPlan {
  return { text: JSON.stringify(value), contentType };
}

/**
 * The variants of one route's body: the valid one (most often, so state really changes) and its
 * mutations: a field missing, an extra one, a field of the wrong type, a huge or exotic string,
 * deep nesting, bad JSON, JSON that is not an object, bytes that are not UTF-8, a wrong or absent
 * content type, and no body at all.
 */
export function bodyVariants(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<BodyVariant> {
  const variant = (mutation: string, body: fc.Arbitrary<BodyPlan | null>) =>
    body.map((plan): BodyVariant => ({ body: plan, mutation }));
  return fc.oneof(
    {
      weight: 12,
      arbitrary: variant(
        'valid',
        valid.map((value) => jsonBody(value)),
      ),
    },
    {
      weight: 2,
      arbitrary: variant(
        'missing-field',
        valid.chain((value) => {
          const keys = Object.keys(value);
          if (keys.length === 0) return fc.constant(jsonBody(value));
          return fc.constantFrom(...keys).map((key) => jsonBody({ ...value, [key]: undefined }));
        }),
      ),
    },
    {
      weight: 2,
      arbitrary: variant(
        'extra-field',
        fc
          .tuple(valid, fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }))
          .map(([value, key, extra]) => jsonBody({ ...value, [key || 'extra']: extra })),
      ),
    },
    {
      weight: 3,
      arbitrary: variant(
        'wrong-type',
        valid.chain((value) => {
          const keys = Object.keys(value);
          const wrong = fc.oneof(
            fc.jsonValue({ maxDepth: 3 }),
            fc.constantFrom(null, true, -1, 1.5, 1e300, [], {}, '', [null]),
          );
          if (keys.length === 0) return wrong.map((other) => jsonBody({ input: other, snapshotId: other }));
          return fc.tuple(fc.constantFrom(...keys), wrong).map(([key, other]) => jsonBody({ ...value, [key]: other }));
        }),
      ),
    },
    {
      weight: 2,
      arbitrary: variant(
        'huge-string',
        fc
          .tuple(valid, hugeText, fc.constantFrom('input', 'title', 'meta', 'snapshotId', 'agent', 'model', 'k'))
          .map(([value, huge, key]) => jsonBody({ ...value, [key]: key === 'meta' ? { huge } : huge })),
      ),
    },
    {
      weight: 2,
      arbitrary: variant(
        'unicode',
        fc.tuple(valid, anyText).map(([value, text]) => {
          const keys = Object.keys(value);
          const key = keys.find((name) => typeof value[name] === 'string') ?? 'input';
          return jsonBody({ ...value, [key]: text });
        }),
      ),
    },
    {
      weight: 1,
      arbitrary: variant(
        'deep-nesting',
        fc
          .tuple(fc.integer({ min: 60, max: 20_000 }), fc.constantFrom<'array' | 'object'>('array', 'object'))
          .map(([depth, kind]) => ({
            text: `{"meta":${deepJson(depth, kind)},"input":${deepJson(depth, kind)}}`,
            contentType: JSON_TYPE,
          })),
      ),
    },
    {
      weight: 2,
      arbitrary: variant(
        'bad-json',
        fc
          .oneof(
            fc.constantFrom(...BAD_JSON),
            valid.chain((value) => {
              const text = JSON.stringify(value);
              return fc.integer({ min: 0, max: Math.max(0, text.length - 1) }).map((end) => text.slice(0, end) || '{');
            }),
          )
          .map((text): BodyPlan => ({ text, contentType: JSON_TYPE })),
      ),
    },
    {
      weight: 1,
      arbitrary: variant(
        'not-an-object',
        fc
          .oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(null, [], 'text', 0))
          .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
          .map((value) => jsonBody(value)),
      ),
    },
    {
      weight: 1,
      arbitrary: variant(
        'not-utf8',
        fc
          .uint8Array({ minLength: 1, maxLength: 64 })
          .map((bytes): BodyPlan => ({ bytes: bytes.map((byte) => byte | 0x80), contentType: JSON_TYPE })),
      ),
    },
    {
      weight: 1,
      arbitrary: variant(
        'wrong-content-type',
        fc
          .tuple(
            valid,
            fc.constantFrom(null, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'a/b; c'),
          )
          .map(([value, type]) => jsonBody(value, type)),
      ),
    },
    { weight: 1, arbitrary: variant('no-body', fc.constant(null)) },
  );
}

/**
 * A query string over `parameters` (name → valid values): each absent, valid or bad; sometimes an
 * unknown parameter or a repeated one. Values are percent-encoded except the deliberately broken ones.
 */
export function queryString(parameters: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const entries = Object.entries(parameters).map(([name, valid]) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      { weight: 4, arbitrary: valid.map((value) => `${name}=${encodeURIComponent(value)}`) },
      { weight: 2, arbitrary: fc.constantFrom(...BAD_QUERY_VALUES).map((value) => `${name}=${value}`) },
      { weight: 1, arbitrary: anyText.map((value) => `${name}=${encodeURIComponent(value)}`) },
    ),
  );
  const extras = fc.oneof(
    { weight: 6, arbitrary: fc.constant<string[]>([]) },
    { weight: 1, arbitrary: fc.constant(['unknown=1']) },
    { weight: 1, arbitrary: fc.constant(['limit=1', 'limit=abc']) },
    { weight: 1, arbitrary: fc.constant(['%zz=%']) },
  );
  return fc.tuple(fc.tuple(...entries), extras).map(([parts, extra]) => {
    const all = [...parts.filter((part): part is string => part !== null), ...extra];
    return all.length ? `?${all.join('&')}` : '';
  });
}

/**
 * A header value that `fetch` can send (no NUL, CR or LF; Latin-1 only), bad for the header's
 * purpose: spaces, too long, non-ASCII, empty.
 */
export const badHeaderValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', 'has spaces in it', 'k'.repeat(300), 'été', '-1', '1.2.3', 'abc', '9'.repeat(40), '\t'),
  // DEL (0x7f) is left out: fetch itself refuses to send it, so it never reaches a server.
  fc.string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((code) => code !== 0x7f)
      .map((code) => String.fromCharCode(code)),
    maxLength: 60,
  }),
);
