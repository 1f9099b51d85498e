import { z } from 'zod';
import { errors } from '../errors.js';
import type { JsonObject } from '../model/json.js';

/**
 * JSON Schemas of tool input schemas, converted once: the conversion costs more than the rest of a
 * turn's set-up and zod schemas never change (their methods return new schemas).
 */
const jsonSchemas = new WeakMap<object, JsonObject>();

/** Zod 4 schemas (classic and mini) carry their internals under `_zod`; zod 3 schemas only `_def`. */
function isZod4Schema(schema: unknown): schema is z.ZodType {
  return typeof schema === 'object' && schema !== null && '_zod' in schema;
}

function describe(schema: unknown): string {
  if (typeof schema === 'object' && schema !== null && '_def' in schema && 'safeParse' in schema) {
    return 'a zod 3 schema; Confab takes zod 4 schemas (zod >= 4.0.0, or `zod/v4` of zod 3.25)';
  }
  return `${schema === null ? 'null' : typeof schema}, not a zod 4 schema`;
}

/**
 * The JSON Schema a model is shown for a tool's zod 4 input schema. Throws `invalid_argument`
 * naming the tool (`label`) when the schema is not a zod 4 schema (a zod 3 one, say) or cannot be
 * converted, so that a bad tool is refused where it is defined instead of failing a turn.
 */
export function toolInputJsonSchema(label: string, schema: unknown): JsonObject {
  if (!isZod4Schema(schema)) throw errors.invalidArgument(`${label}: inputSchema is ${describe(schema)}`);
  let converted = jsonSchemas.get(schema);
  if (!converted) {
    try {
      converted = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonObject;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw errors.invalidArgument(`${label}: inputSchema cannot be converted to JSON Schema: ${reason}`, {
        cause: error,
      });
    }
    jsonSchemas.set(schema, converted);
  }
  return converted;
}
