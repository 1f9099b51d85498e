import fc from 'fast-check';
import { ref } from './fuzz-plan.js';

/**
 * Valid request bodies of DESIGN §6, one generator per route: what a correct client sends, so the
 * fuzzer's valid requests change state (sessions, turns with the echo model's `/tool` and `/sleep`,
 * interrupts and their resumes, forks, files). The mutations of fuzz-values.ts start from these.
 */

/** The client-side tool the fuzz sessions declare: `/tool pick {…}` interrupts a turn for it. */
export const CLIENT_TOOL = { name: 'pick', description: 'picks a colour', inputSchema: { type: 'object' } };

const shortText = fc.string({ maxLength: 24 });
const metaValue = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null));
const meta = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), metaValue, { maxKeys: 4 });

/** `POST /v1/sessions`: any subset of the fields, with reused clientSessionIds and channels. */
export const createSessionBody = fc.record(
  {
    title: shortText,
    meta,
    state: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    clientSessionId: fc
      .constantFrom('client-1', 'client-2', 'client-3')
      .chain((id) => fc.oneof(fc.constant(id), fc.uuid())),
    channel: fc.constantFrom('created-room-1', 'created-room-2'),
    agent: fc.constantFrom('helper', 'planner'),
    model: fc.constant('echo'),
    tools: fc.constant([CLIENT_TOOL]),
  },
  { requiredKeys: [] },
);

/** `PATCH /v1/sessions/{id}`: title, a merge patch of meta (null removes), model. */
export const patchSessionBody = fc.record(
  {
    title: fc.oneof(shortText, fc.constant(null)),
    meta,
    model: fc.constantFrom('echo', null),
  },
  { requiredKeys: [] },
);

/** A turn's user text for the echo model: plain text, a client tool call, an unknown tool, a short sleep. */
export const turnInput = fc.oneof(
  { weight: 5, arbitrary: fc.string({ maxLength: 60 }).map((text) => `hello ${text}`) },
  {
    weight: 3,
    arbitrary: fc.jsonValue({ maxDepth: 2 }).map((input) => `/tool pick ${JSON.stringify({ value: input })}`),
  },
  { weight: 1, arbitrary: fc.constant('/tool not_a_tool {}') },
  { weight: 1, arbitrary: fc.constant('/tool pick not-json') },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.integer({ min: 0, max: 800 }), shortText).map(([ms, text]) => `/sleep ${ms} ${text}`),
  },
);

/** `files` of a turn or input: own valid tokens, another app's, or unknown ones. */
const fileTokens = fc.oneof(
  { weight: 3, arbitrary: fc.constant([ref('file')]) },
  { weight: 1, arbitrary: fc.constant([ref('foreignFile')]) },
  { weight: 1, arbitrary: fc.constant(['file_unknown']) },
  { weight: 1, arbitrary: fc.constant([ref('file'), ref('file')]) },
  { weight: 1, arbitrary: fc.constant([]) },
);

/** `POST /v1/sessions/{id}/turns`. */
export const turnBody = fc.record(
  {
    input: turnInput,
    files: fileTokens,
    timeoutMs: fc.integer({ min: 50, max: 30_000 }),
    model: fc.constant('echo'),
  },
  { requiredKeys: ['input'] },
);

/** `POST /v1/sessions/{id}/inputs`. */
export const inputBody = fc.record({ input: turnInput, files: fileTokens }, { requiredKeys: ['input'] });

/**
 * `POST /v1/sessions/{id}/resume`: mostly a result for the session's pending client tool call (the
 * valid answer); sometimes an approval for it (wrong kind), both (answered twice) or nothing.
 */
const toolResults = fc
  .tuple(fc.jsonValue({ maxDepth: 2 }), fc.boolean())
  .map(([output, isError]) => [{ toolCallId: ref('pending'), output, isError }]);
const approvals = fc
  .tuple(fc.boolean(), fc.constantFrom('once', 'session'))
  .map(([approved, scope]) => [{ toolCallId: ref('pending'), approved, scope }]);
export const resumeBody: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 5, arbitrary: toolResults.map((results) => ({ toolResults: results })) },
  { weight: 1, arbitrary: approvals.map((answers) => ({ approvals: answers })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(toolResults, approvals)
      .map(([results, answers]) => ({ toolResults: results, approvals: answers })),
  },
  { weight: 1, arbitrary: fc.constant({}) },
);

/** `POST /v1/sessions/{id}/fork`: the latest snapshot, a known one, another app's or an unknown one. */
export const forkBody = fc.oneof(
  fc.constant({}),
  fc.constant({ snapshotId: ref('snapshot') }),
  fc.constant({ snapshotId: ref('foreignSnapshot') }),
  fc.constant({ snapshotId: 'snap_unknown' }),
);

/** `POST /v1/channels/{channel}/resolve`. */
export const resolveBody = fc.record(
  { agent: fc.constantFrom('helper', 'planner'), model: fc.constant('echo') },
  { requiredKeys: [] },
);

/** An empty JSON object, the valid body of routes that take none. */
export const emptyBody = fc.constant({});
