import { ConfabError, errors } from 'confab';
import type { Context } from 'hono';
import type { z } from 'zod';

/** Deeper JSON than this is refused before validation, so no validator recursion can overflow. */
const MAX_JSON_DEPTH = 64;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the raw request body, at most `maxBytes`: a declared `Content-Length` over it is refused
 * without reading; a streamed body is refused as soon as it passes it. Either way → 413. The Node
 * listener drains (bounded) what is left, so the answer still reaches the client.
 */
export async function readBodyBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    throw tooLarge(maxBytes);
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        reader.cancel().catch(() => undefined);
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (ConfabError.isInstance(error)) throw error;
    throw errors.invalidArgument('the request body could not be read', { cause: error });
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function tooLarge(maxBytes: number): ConfabError {
  return new ConfabError('payload_too_large', `the request body is over the limit of ${maxBytes} bytes`);
}

/**
 * Parses a JSON body and validates it with `schema`. An empty body counts as `{}` (so routes whose
 * fields are all optional need none). Not UTF-8, not JSON, too deep or not matching → 400.
 */
export async function readJsonBody<Schema extends z.ZodType>(
  context: Context,
  schema: Schema,
  maxBytes: number,
): Promise<z.output<Schema>> {
  const bytes = await readBodyBytes(context.req.raw, maxBytes);
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch (error) {
    throw errors.invalidArgument('the request body is not valid UTF-8', { cause: error });
  }
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw errors.invalidArgument('the request body is not valid JSON', { cause: error });
    }
  }
  if (exceedsDepth(value, MAX_JSON_DEPTH)) {
    throw errors.invalidArgument(`the request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw errors.invalidArgument('the request body must be a JSON object');
  }
  return validate(schema, value, 'request body');
}

/** Validates the query string (first value of each name) with `schema`; a mismatch → 400. */
export function readQuery<Schema extends z.ZodType>(context: Context, schema: Schema): z.output<Schema> {
  // URLSearchParams never throws on bad percent-encoding (it substitutes U+FFFD), unlike decodeURIComponent.
  const params = new URL(context.req.url).searchParams;
  const query: Record<string, string> = {};
  for (const [name, value] of params) if (!(name in query)) query[name] = value;
  return validate(schema, query, 'query');
}

/** Runs `schema` on `value`; a mismatch becomes `invalid_argument` naming the offending fields. */
export function validate<Schema extends z.ZodType>(schema: Schema, value: unknown, what: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
  throw errors.invalidArgument(`invalid ${what}: ${issues.join('; ')}`, { details: { issues: issues } });
}

/** True when `value` nests objects/arrays deeper than `limit` (iterative: safe on any input). */
function exceedsDepth(value: unknown, limit: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(current)) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}

/** The path parameter `name`, which the route pattern guarantees. */
export function pathParam(context: Context, name: string): string {
  const value = context.req.param(name);
  if (value === undefined || value === '') throw errors.invalidArgument(`missing path parameter ${name}`);
  return value;
}

/**
 * The `Idempotency-Key` header, or null: 1–256 visible ASCII characters, else 400 (it names a
 * retry of one request, so anything else is a client bug worth reporting).
 */
export function idempotencyKey(context: Context): string | null {
  const key = context.req.header('idempotency-key');
  if (key === undefined) return null;
  if (!/^[\x21-\x7e]{1,256}$/.test(key)) {
    throw errors.invalidArgument('Idempotency-Key must be 1–256 visible ASCII characters');
  }
  return key;
}

/** True when the client asked for Server-Sent Events. */
export function wantsEventStream(context: Context): boolean {
  return (context.req.header('accept') ?? '').toLowerCase().includes('text/event-stream');
}
