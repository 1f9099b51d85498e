import { expect } from 'vitest';
import type { z } from 'zod';
import type { Loose } from './harness.js';

/** Every field of the wire session object (DESIGN §6.1), sorted. */
export const SESSION_KEYS = [
  'agent',
  'appId',
  'channel',
  'clientSessionId',
  'closedAt',
  'createdAt',
  'id',
  'lastTurnAt',
  'meta',
  'model',
  'parent',
  'state',
  'stateVersion',
  'status',
  'title',
  'turnCount',
  'updatedAt',
];

/** The answer is the error shape with this status and code, and carries its request id. */
export function expectError(answer: { status: number; body: Loose; headers: Headers }, status: number, code: string) {
  expect(answer.status).toBe(status);
  expect(answer.body).toEqual({ error: { code, message: expect.any(String), requestId: expect.any(String) } });
  expect(answer.headers.get('x-request-id')).toBe(answer.body.error.requestId);
}

/** The answer matches the shared wire schema exactly (parsing strips nothing). */
export function expectWire(schema: z.ZodType, body: unknown) {
  expect(schema.parse(body)).toEqual(body);
}
