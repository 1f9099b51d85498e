import { z } from 'zod';
import { ERROR_CODES } from '../errors.js';
import { findUnstorableText, isStorableText } from '../store/kit/storable-text.js';

/**
 * Building blocks of the v1 wire contract (DESIGN §6): JSON values, ids and names. Shared by the
 * server (validation, OpenAPI) and the client SDK (typing answers), so both read the same rules.
 */

/** Any JSON value. One instance, so the OpenAPI document can name it once and refer to it. */
export const JsonValueSchema = z.json();

/** A JSON object, e.g. a session's `meta` or `state`. */
export const JsonObjectSchema = z.record(z.string(), JsonValueSchema);

const UNSTORABLE_MESSAGE = 'text must not contain a NUL character or an unpaired surrogate (docs/stores.md)';

/**
 * Text a client sends that a store keeps: no NUL and no lone surrogate (see `isStorableText`).
 * Every request field that reaches a store is built on it, so such text is refused with
 * `invalid_argument` at the edge instead of jamming a session later.
 */
export const StorableTextSchema = z.string().refine(isStorableText, UNSTORABLE_MESSAGE);

/** A JSON value from a client whose strings and keys are all {@link StorableTextSchema}. */
export const StorableJsonValueSchema = JsonValueSchema.refine(
  (value) => findUnstorableText(value) === null,
  UNSTORABLE_MESSAGE,
);

/** A JSON object from a client (`meta`, a tool's input schema) whose strings and keys are storable. */
export const StorableJsonObjectSchema = JsonObjectSchema.refine(
  (value) => findUnstorableText(value) === null,
  UNSTORABLE_MESSAGE,
);

/** An ISO-8601 UTC timestamp, as every timestamp on the wire. */
export const TimestampSchema = z.string().describe('ISO-8601 UTC timestamp');

/**
 * A model name: `echo`, `openai:<name>`, `anthropic:<name>`, `openai-compatible:<baseURL>:<name>`
 * or any provider the server was configured with. Checked for shape only; an unknown provider
 * fails when a turn resolves it.
 */
export const ModelNameSchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^\S+$/, 'a model name has no whitespace')
  .describe('model name, e.g. echo or openai:gpt-4o-mini');

/** A channel name (a chat room, a user's DM): 1–256 characters, no control characters. */
export const ChannelNameSchema = z
  .string()
  .min(1)
  .max(256)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'a channel name has no control characters')
  .refine(isStorableText, 'a channel name has no unpaired surrogate');

/** An opaque identifier chosen by the server (session, snapshot, input, tool call). */
export const IdSchema = z.string().min(1).max(256);

/** A stable error code (docs/errors.md). */
export const ErrorCodeSchema = z.enum(ERROR_CODES);

/** The one error shape of every non-2xx answer: `{ error: { code, message, requestId } }`. */
export const ErrorResponseSchema = z.object({
  error: z.object({
    code: ErrorCodeSchema,
    message: z.string(),
    requestId: z.string(),
  }),
});

/** A whole number written in a query string, e.g. `limit=20`. */
export const WholeNumberStringSchema = z.string().regex(/^[0-9]{1,15}$/, 'must be a whole number');
