import { isDeepStrictEqual } from 'node:util';
import { STATUS_OF_CODE } from '@confab/server';
import type { ERROR_CODES } from 'confab';
import { ErrorResponseSchema, LifecycleEventSchema, StreamEventSchema, WIRE_SCHEMAS } from 'confab/wire';
import type { z } from 'zod';
import { isChatStream } from './fuzz-chat.js';
import type { RequestPlan } from './fuzz-plan.js';
import type { Answer } from './fuzz-send.js';
import type { ResolvedRequest } from './fuzz-state.js';

/** The error statuses DESIGN §6 lists for a request that is not the server's fault (no 5xx). */
const CLIENT_ERROR_STATUSES = new Set([400, 401, 404, 405, 409, 410, 412, 413, 422, 429]);

/** What the OpenAPI document promises for one operation: its 2xx status and body, its error statuses. */
export interface OperationContract {
  okStatus: number;
  /** Every 2xx the document lists (a resumed chat stream: 200 or 204). */
  okStatuses: Set<number>;
  okSchema: z.ZodType | null;
  errorStatuses: Set<number>;
}

/** The contracts of every operation of an OpenAPI document, keyed `<method> <path>`. */
export function contractsOf(document: {
  paths: Record<string, Record<string, { responses: Record<string, Record<string, unknown>> }>>;
}): Map<string, OperationContract> {
  const contracts = new Map<string, OperationContract>();
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const statuses = Object.keys(operation.responses).map(Number);
      const okStatus = statuses.find((status) => status < 300)!;
      const content = operation.responses[okStatus]?.content as Record<string, { schema?: { $ref?: string } }>;
      const name = content?.['application/json']?.schema?.$ref?.split('/').pop() as keyof typeof WIRE_SCHEMAS;
      contracts.set(`${method} ${path}`, {
        okStatus,
        okStatuses: new Set(statuses.filter((status) => status < 300)),
        okSchema: name ? (WIRE_SCHEMAS[name] as z.ZodType) : null,
        errorStatuses: new Set(statuses.filter((status) => status >= 400)),
      });
    }
  }
  return contracts;
}

/** True when `schema` parses `value` into exactly `value`: no missing, no extra field. */
function matchesExactly(schema: z.ZodType, value: unknown): boolean {
  const result = schema.safeParse(value);
  return result.success && isDeepStrictEqual(result.data, value);
}

/** Whether the plan carried a valid token of either app. */
export function authenticated(plan: RequestPlan): boolean {
  return plan.auth === 'a' || plan.auth === 'b';
}

/**
 * Every rule an answer must follow, whatever was sent (DESIGN §5, §6, §6.1). Returns the broken
 * ones, empty when the answer is right:
 * - never a 5xx, nor a transport failure; the status is one DESIGN lists;
 * - a non-2xx has exactly `{ error: { code, message, requestId } }`, a documented code whose
 *   status is the one the code maps to, and the request id in `X-Request-Id`;
 * - the status is one the OpenAPI document lists for the operation, and a 2xx body is exactly the
 *   documented wire schema;
 * - no token on a `/v1` route → 401; an unknown route → 404; a wrong method → 405 with `Allow`;
 * - SSE: every frame's data is JSON of the right schema; a `stream-error` carries the error shape
 *   and is never `internal`; a turn's stream ends by itself after its `turn-end`; lifecycle frames
 *   are of the caller's app only.
 */
export function checkAnswer(
  plan: RequestPlan,
  request: ResolvedRequest,
  answer: Answer,
  contracts: Map<string, OperationContract>,
): string[] {
  const problems: string[] = [];
  if (answer.transportError) return [`transport failure: ${answer.transportError}`];
  const { status } = answer;
  const success = status >= 200 && status < 300;
  if (status >= 500) problems.push(`a ${status}`);
  else if (!success && !CLIENT_ERROR_STATUSES.has(status)) problems.push(`status ${status} is not in DESIGN §6`);

  if (!success && plan.method !== 'HEAD') {
    const body = answer.json as { error?: { code?: string; requestId?: string } } | undefined;
    if (!matchesExactly(ErrorResponseSchema, body)) problems.push(`not the error shape: ${answer.text.slice(0, 200)}`);
    else {
      const code = body!.error!.code as (typeof ERROR_CODES)[number];
      if (STATUS_OF_CODE[code] !== status) problems.push(`code ${code} maps to ${STATUS_OF_CODE[code]}, got ${status}`);
      if (answer.headers.get('x-request-id') !== body!.error!.requestId)
        problems.push('X-Request-Id ≠ error.requestId');
    }
  }

  const onV1 = request.path.startsWith('/v1');
  if (onV1 && !authenticated(plan) && status !== 401) problems.push(`no valid token on /v1 but ${status}`);
  if (plan.operation === 'unknown-route' && (authenticated(plan) || !onV1) && status !== 404) {
    problems.push(`unknown route answered ${status}`);
  }
  if (plan.operation === 'wrong-method' && (authenticated(plan) || !onV1)) {
    if (status !== 405) problems.push(`wrong method answered ${status}`);
    else if (!answer.headers.get('allow')) problems.push('405 without Allow');
  }

  const contract = contracts.get(plan.operation);
  if (contract && authenticated(plan)) {
    const createdBefore = plan.operation === 'post /v1/sessions' && status === 200;
    if (success && !contract.okStatuses.has(status) && !createdBefore) {
      problems.push(`2xx ${status}, documented ${contract.okStatus}`);
    }
    if (!success && !contract.errorStatuses.has(status)) problems.push(`status ${status} not in the OpenAPI document`);
    const hasBody = plan.method !== 'HEAD' && !answer.frames;
    if (success && hasBody && contract.okSchema && !matchesExactly(contract.okSchema, answer.json)) {
      problems.push(`2xx body is not the documented schema: ${answer.text.slice(0, 300)}`);
    }
  }
  const turn = (answer.json as { turn?: { events?: Array<{ type: string }> } } | undefined)?.turn;
  if (success && turn?.events) {
    // DESIGN §6: the whole turn from its turn-start, ending with its turn-end.
    if (turn.events[0]?.type !== 'turn-start') problems.push(`turn answer starts on ${turn.events[0]?.type}`);
    if (turn.events.at(-1)?.type !== 'turn-end') problems.push(`turn answer ended on ${turn.events.at(-1)?.type}`);
  }
  // A UI message stream's frames are AI SDK chunks: `checkChatFrames` checks those.
  if (answer.frames && !isChatStream(plan.operation)) problems.push(...checkFrames(plan, answer));
  return problems;
}

function checkFrames(plan: RequestPlan, answer: Answer): string[] {
  const problems: string[] = [];
  const lifecycle = plan.operation === 'get /v1/lifecycle';
  const turnStream = plan.operation.includes('/turns') || plan.operation.includes('/resume');
  for (const frame of answer.frames!) {
    let data: unknown;
    try {
      data = JSON.parse(frame.data);
    } catch {
      problems.push(`SSE data is not JSON: ${frame.data.slice(0, 120)}`);
      continue;
    }
    if (frame.event === 'stream-error') {
      const code = (data as { error?: { code?: string } }).error?.code;
      if (!matchesExactly(ErrorResponseSchema, data)) problems.push(`stream-error not the error shape: ${frame.data}`);
      else if (code === 'internal') problems.push(`stream-error internal: ${frame.data.slice(0, 200)}`);
      continue;
    }
    const schema = lifecycle ? LifecycleEventSchema : StreamEventSchema;
    if (!matchesExactly(schema, data)) problems.push(`SSE frame not the wire schema: ${frame.data.slice(0, 200)}`);
    if (lifecycle && (data as { appId?: string }).appId !== `app-${plan.auth}`) {
      problems.push(`lifecycle frame of another app: ${frame.data.slice(0, 120)}`);
    }
  }
  if (turnStream) {
    const last = answer.frames!.at(-1);
    if (!answer.ended) problems.push(`turn stream still open after ${answer.frames!.length} frames`);
    else if (last?.event !== 'turn-end' && last?.event !== 'stream-error') {
      problems.push(`turn stream ended on ${last?.event ?? 'nothing'}`);
    }
  }
  return problems;
}
