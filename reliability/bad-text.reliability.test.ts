/**
 * Bad text on every store (issue 15, item 1): for `RELIABILITY_BAD_TEXT_CASES` generated cases
 * (default 300; `RELIABILITY_SEED` replays), a real server in this process on SQLite, JSONL and
 * PostgreSQL receives text with a NUL or a lone surrogate somewhere in a random Unicode string, in
 * every request field that reaches a store (title, agent, clientSessionId, channel, meta and state
 * values and keys at depth, tool descriptions and schemas, input text, file tokens, upload names),
 * and unusual well-formed text in the same fields. Bad text must be answered 400
 * `invalid_argument`; good text must be kept exactly (read back through the API); and after the
 * run every session still answers a turn and no input is left pending: no store accepted
 * anything it cannot process later.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlStore } from '@confab/jsonl';
import { PostgresStore } from '@confab/postgres';
import { SqliteStore } from '@confab/sqlite';
import { createModelResolver, Pool } from 'confab';
import { isStorableText, type SessionStore } from 'confab/store';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../packages/postgres/src/test-fixtures/test-database.js';
import { createApp } from '../packages/server/src/app.js';
import { serve } from '../packages/server/src/serve.js';
import { ApiClient, createToken } from '../packages/server/src/test-support/harness.js';

const CASES = Number(process.env.RELIABILITY_BAD_TEXT_CASES ?? 300);
const SEED = Number(process.env.RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** A random Unicode string with a NUL or a lone surrogate put somewhere in it. */
const badText = fc
  .tuple(
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff'),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
  )
  .map(([before, bad, after]) => `${before}${bad}${after}`);

/** Well-formed text, control characters and astral characters included. */
const goodText = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter(isStorableText);

type Field = (text: string) => { method: string; path: (sessionId: string) => string; body?: unknown };

const FIELDS: Record<string, Field> = {
  title: (text) => ({ method: 'POST', path: () => '/v1/sessions', body: { title: text } }),
  agent: (text) => ({ method: 'POST', path: () => '/v1/sessions', body: { agent: text } }),
  clientSessionId: (text) => ({ method: 'POST', path: () => '/v1/sessions', body: { clientSessionId: text } }),
  channel: (text) => ({ method: 'POST', path: () => '/v1/sessions', body: { channel: text } }),
  'meta value': (text) => ({ method: 'POST', path: () => '/v1/sessions', body: { meta: { deep: [{ text }] } } }),
  'meta key': (text) => ({ method: 'POST', path: () => '/v1/sessions', body: { meta: { [text]: 1 } } }),
  'state value': (text) => ({ method: 'POST', path: () => '/v1/sessions', body: { state: { text } } }),
  'tool description': (text) => ({
    method: 'POST',
    path: () => '/v1/sessions',
    body: { tools: [{ name: 'lookup', description: text, inputSchema: { type: 'object' } }] },
  }),
  'tool schema': (text) => ({
    method: 'POST',
    path: () => '/v1/sessions',
    body: { tools: [{ name: 'lookup', inputSchema: { type: 'object', title: text } }] },
  }),
  'patched title': (text) => ({ method: 'PATCH', path: (id) => `/v1/sessions/${id}`, body: { title: text } }),
  'patched meta': (text) => ({ method: 'PATCH', path: (id) => `/v1/sessions/${id}`, body: { meta: { [text]: text } } }),
  input: (text) => ({ method: 'POST', path: (id) => `/v1/sessions/${id}/inputs`, body: { input: text } }),
  'file token': (text) => ({
    method: 'POST',
    path: (id) => `/v1/sessions/${id}/inputs`,
    body: { input: 'x', files: [text] },
  }),
  'turn input': (text) => ({ method: 'POST', path: (id) => `/v1/sessions/${id}/turns`, body: { input: text } }),
};

const roots: string[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const STORES: Array<[string, () => Promise<SessionStore>]> = [
  [
    'sqlite',
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'confab-bad-text-'));
      roots.push(root);
      return new SqliteStore({ filename: join(root, 'confab.db') });
    },
  ],
  [
    'jsonl',
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'confab-bad-text-'));
      roots.push(root);
      return new JsonlStore({ directory: root, fsync: false });
    },
  ],
  [
    'postgres',
    async () => {
      const database = await createTestDatabase();
      cleanups.push(() => database.drop());
      return new PostgresStore({ connectionString: database.url });
    },
  ],
];

describe.each(STORES)('bad text on %s', (kind, open) => {
  it(`refuses bad text in every field with 400, keeps good text exactly, never jams (seed ${SEED})`, async () => {
    const store = await open();
    await store.migrate();
    const token = await createToken(store, 'app-a');
    const resolveModel = createModelResolver();
    const pool = new Pool({ store, resolveModel });
    const running = await serve({ app: createApp({ store, pool, resolveModel, logger: false }), port: 0 });
    const api = new ApiClient(running.url, token);
    const tally = { bad: 0, good: 0, refused: 0, kept: 0 };
    const problems: string[] = [];
    try {
      const sessions: string[] = [];
      for (let index = 0; index < 4; index++) sessions.push((await api.createSession()).id);
      const names = Object.keys(FIELDS);
      const cases = fc.sample(
        fc.record({ field: fc.constantFrom(...names), bad: fc.boolean(), badText, goodText, session: fc.nat(3) }),
        { numRuns: CASES, seed: SEED },
      );
      for (const sample of cases) {
        const text = sample.bad ? sample.badText : sample.goodText;
        const request = (FIELDS[sample.field] as Field)(text);
        const sessionId = sessions[sample.session] as string;
        const answer = await api.call(request.method, request.path(sessionId), { body: request.body });
        const label = `${sample.field} ${JSON.stringify(text)}: ${answer.status} ${JSON.stringify(answer.body)}`;
        if (sample.bad) {
          tally.bad++;
          if (answer.status === 400 && answer.body?.error?.code === 'invalid_argument') tally.refused++;
          else problems.push(`bad text accepted: ${label}`);
          continue;
        }
        tally.good++;
        if (answer.status >= 500) problems.push(`5xx for good text: ${label}`);
        // Kept exactly: read back where the field lands.
        if (answer.status === 201 && sample.field === 'title') {
          const read = await api.get(`/v1/sessions/${answer.body.session.id}`);
          if (read.body.session.title === text) tally.kept++;
          else problems.push(`title changed: ${label} -> ${JSON.stringify(read.body.session.title)}`);
        }
        if (answer.status === 201 && sample.field === 'meta key') {
          const read = await api.get(`/v1/sessions/${answer.body.session.id}`);
          if (read.body.session.meta[text] === 1) tally.kept++;
          else problems.push(`meta key changed: ${label}`);
        }
        if (answer.status === 200 && sample.field === 'turn input') {
          const input = answer.body.turn.events.find((event: { type: string }) => event.type === 'input');
          if (input?.data.text === text) tally.kept++;
          else problems.push(`input changed: ${label}`);
        }
      }
      // No session is jammed: each answers a turn, and nothing stays queued.
      for (const sessionId of sessions) {
        const answer = await api.post(`/v1/sessions/${sessionId}/turns`, { input: 'still fine?' });
        if (answer.status !== 200) problems.push(`session ${sessionId} jammed: ${answer.status}`);
        // Inputs queued by the run are drained by background turns; give them a moment.
        let pending = await store.countPendingInputs(sessionId);
        for (let wait = 0; pending > 0 && wait < 100; wait++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          pending = await store.countPendingInputs(sessionId);
        }
        if (pending !== 0) problems.push(`session ${sessionId} has ${pending} inputs pending`);
      }
    } finally {
      await running.close({ deadlineMs: 2000 });
    }
    console.log(
      `bad text (${kind}): ${CASES} cases, ${tally.bad} bad (${tally.refused} refused with 400), ` +
        `${tally.good} good (${tally.kept} read back exactly), ${problems.length} problems, seed ${SEED}`,
    );
    expect(problems).toEqual([]);
  });
});
