import { WIRE_SCHEMAS } from 'confab/wire';
import { z } from 'zod';
import { EXTRA_SCHEMAS } from './openapi-extra-schemas.js';
import { OPERATIONS, type OperationSpec } from './openapi-operations.js';

const STATUS_TEXT: Record<number, string> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  404: "not_found (also for another app's ids)",
  409: 'conflict or turn_in_progress',
  410: 'session_closed',
  412: 'failed_precondition',
  413: 'payload_too_large',
  422: 'idempotency_mismatch (the Idempotency-Key was used for another request)',
  429: 'rate_limited (see Retry-After)',
  503: 'unavailable',
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** The named wire schemas as OpenAPI components (JSON Schema 2020-12, the dialect of OpenAPI 3.1). */
function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries({ ...WIRE_SCHEMAS, ...EXTRA_SCHEMAS })) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  for (const schema of Object.values(schemas)) {
    delete (schema as Record<string, unknown>).$schema;
    delete (schema as Record<string, unknown>).$id;
  }
  return schemas;
}

function parametersOf(operation: OperationSpec): unknown[] {
  const parameters: unknown[] = [];
  for (const name of operation.path.match(/\{(\w+)\}/g) ?? []) {
    parameters.push({ name: name.slice(1, -1), in: 'path', required: true, schema: { type: 'string' } });
  }
  for (const [name, schema] of Object.entries(operation.query?.shape ?? {})) {
    const json = z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >;
    delete json.$schema;
    parameters.push({ name, in: 'query', required: !(schema as z.ZodType).safeParse(undefined).success, schema: json });
  }
  for (const header of operation.headers ?? []) {
    parameters.push({ name: header, in: 'header', required: false, schema: { type: 'string' } });
  }
  return parameters;
}

function responsesOf(operation: OperationSpec): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  if (operation.sse !== 'only') {
    content['application/json'] = { schema: operation.ok.schema ? ref(operation.ok.schema) : {} };
  }
  if (operation.sse) {
    content['text/event-stream'] = {
      schema: {
        type: 'string',
        description: operation.sseDescription ?? 'SSE frames: id, event (the type) and data (the JSON object)',
      },
    };
  }
  const responses: Record<string, unknown> = {
    [operation.ok.status]: { description: operation.ok.description, content },
  };
  for (const [status, description] of Object.entries(operation.otherAnswers ?? {})) {
    responses[status] = { description };
  }
  // Every body is read through the same size limit and parser, so any operation with a body can
  // answer 400 (bad JSON, wrong fields) and 413 (over maxBodyBytes), whatever its own list says.
  const statuses = new Set(operation.errors);
  if (operation.body) for (const status of [400, 413]) statuses.add(status);
  // Any route answers 503 while the server drains for shutdown or its store is unreachable.
  statuses.add(503);
  for (const status of [...statuses].sort((left, right) => left - right)) {
    responses[status] = {
      description: STATUS_TEXT[status] ?? 'error',
      content: { 'application/json': { schema: ref('ErrorResponse') } },
    };
  }
  return responses;
}

/** The OpenAPI 3.1 document of the v1 API, generated from the same zod schemas that validate it. */
export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of OPERATIONS) {
    const entry: Record<string, unknown> = {
      operationId: operation.operationId,
      summary: operation.summary,
      parameters: parametersOf(operation),
      responses: responsesOf(operation),
    };
    if (operation.auth === false) entry.security = [];
    if (operation.body === 'file') {
      entry.requestBody = {
        required: true,
        content: {
          'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
          'multipart/form-data': {
            schema: {
              type: 'object',
              properties: { file: { type: 'string', contentMediaType: 'application/octet-stream' } },
            },
          },
        },
      };
    } else if (operation.body) {
      entry.requestBody = { required: true, content: { 'application/json': { schema: ref(operation.body) } } };
    }
    paths[operation.path] ??= {};
    paths[operation.path]![operation.method] = entry;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Confab HTTP API',
      version,
      description: 'Durable multi-turn AI-agent conversations. See docs/http-api.md.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
  };
}
