import type { VictimState } from './isolation-state.js';

/** One request of the sweep, made with app b's token, and the answer it must get. */
export interface SweepCase {
  /** The OpenAPI operation, `<method> <path>`. */
  operation: string;
  method: string;
  path: string;
  body?: unknown;
  /** Sent as is (a file upload). */
  raw?: string;
  headers?: Record<string, string>;
  /** The statuses it may answer, and the code when it is an error. */
  expect: { statuses: number[]; code?: string };
  /**
   * Pairs [app a's value, an unknown value of the same kind]: the request with the unknown values
   * must get the same status, code and message (once the values are swapped back), so an answer
   * never tells an existing id of another app from one that never existed.
   */
  twin?: Array<[string, string]>;
}

/** Well-formed ids that were never created, one per kind. */
export const UNKNOWN = {
  session: 'ses_00000000000000000000000000000000',
  snapshot: 'snap_00000000000000000000000000000000',
  file: 'file_000000000000000000000000000000000000',
  toolCall: 'call_00000000000000000000000000000000',
};

const NOT_FOUND = { statuses: [404], code: 'not_found' };
const SSE = { accept: 'text/event-stream' };

/** Every route that takes a session id, each with a body that would be valid for the owner. */
function sessionIdCases(id: string): SweepCase[] {
  const twin: Array<[string, string]> = [[id, UNKNOWN.session]];
  const at = (suffix: string) => `/v1/sessions/${id}${suffix}`;
  const cases: Array<Omit<SweepCase, 'expect' | 'twin'>> = [
    { operation: 'get /v1/sessions/{id}', method: 'GET', path: at('') },
    { operation: 'patch /v1/sessions/{id}', method: 'PATCH', path: at(''), body: { title: 'hijacked' } },
    { operation: 'patch /v1/sessions/{id}', method: 'PATCH', path: at(''), body: { meta: { note: null } } },
    { operation: 'delete /v1/sessions/{id}', method: 'DELETE', path: at('') },
    { operation: 'delete /v1/sessions/{id}', method: 'DELETE', path: at('?hard=true') },
    { operation: 'post /v1/sessions/{id}/archive', method: 'POST', path: at('/archive'), body: {} },
    { operation: 'post /v1/sessions/{id}/turns', method: 'POST', path: at('/turns'), body: { input: 'hi' } },
    {
      operation: 'post /v1/sessions/{id}/turns',
      method: 'POST',
      path: at('/turns'),
      body: { input: 'hi' },
      headers: { ...SSE, 'idempotency-key': 'b-key' },
    },
    { operation: 'post /v1/sessions/{id}/inputs', method: 'POST', path: at('/inputs'), body: { input: 'hi' } },
    {
      operation: 'post /v1/sessions/{id}/resume',
      method: 'POST',
      path: at('/resume'),
      body: { toolResults: [{ toolCallId: UNKNOWN.toolCall, output: 1 }] },
    },
    {
      operation: 'post /v1/sessions/{id}/resume',
      method: 'POST',
      path: at('/resume'),
      body: { approvals: [{ toolCallId: UNKNOWN.toolCall, approved: true }] },
      headers: SSE,
    },
    { operation: 'post /v1/sessions/{id}/stop', method: 'POST', path: at('/stop'), body: {} },
    { operation: 'get /v1/sessions/{id}/events', method: 'GET', path: at('/events') },
    { operation: 'get /v1/sessions/{id}/events', method: 'GET', path: at('/events?after=1&limit=5') },
    { operation: 'get /v1/sessions/{id}/events', method: 'GET', path: at('/events'), headers: SSE },
    {
      operation: 'get /v1/sessions/{id}/events',
      method: 'GET',
      path: at('/events'),
      headers: { ...SSE, 'last-event-id': '1' },
    },
    { operation: 'get /v1/sessions/{id}/messages', method: 'GET', path: at('/messages?limit=2') },
    { operation: 'get /v1/sessions/{id}/snapshots', method: 'GET', path: at('/snapshots') },
    { operation: 'post /v1/sessions/{id}/fork', method: 'POST', path: at('/fork'), body: {} },
    { operation: 'post /v1/sessions/{id}/compact', method: 'POST', path: at('/compact'), body: {} },
  ];
  return cases.map((item) => ({ ...item, expect: NOT_FOUND, twin }));
}

/** A well-formed chat id no app ever used: what b's requests on a's chat ids are compared with. */
const UNKNOWN_CHAT = 'chat-never-used-by-anyone';

/**
 * The AI SDK UI routes (DESIGN §9) with app a's chat ids: for b each names b's own chat, created
 * on first use, unrelated to a's. So b's reads answer like an unknown chat's (no messages but b's
 * own, no running turn: 204, nothing to stop), b's turns run on b's chat (a's user message ids
 * replay nothing of a's, a regenerate or an edit of them finds only b's own messages), and an
 * answer to a's pending tool call finds nothing pending (412). The leak scan holds every answer,
 * streams included, to none of a's ids or texts.
 */
function chatCases(victim: VictimState): SweepCase[] {
  const cases: SweepCase[] = [];
  const { ids, userMessageIds, pendingAssistantId, pendingToolCallId } = victim.chat;
  const user = (id: string, text: string) => ({ id, role: 'user', parts: [{ type: 'text', text }] });
  for (const chatId of ids) {
    const twin: Array<[string, string]> = [[chatId, UNKNOWN_CHAT]];
    const at = (suffix: string) => `/v1/chat/${encodeURIComponent(chatId)}${suffix}`;
    cases.push(
      {
        operation: 'get /v1/chat/{id}/messages',
        method: 'GET',
        path: at('/messages'),
        expect: { statuses: [200] },
        twin,
      },
      { operation: 'get /v1/chat/{id}/stream', method: 'GET', path: at('/stream'), expect: { statuses: [204] }, twin },
      {
        operation: 'post /v1/chat/{id}/stop',
        method: 'POST',
        path: at('/stop'),
        body: {},
        expect: { statuses: [200] },
        twin,
      },
      {
        operation: 'post /v1/chat',
        method: 'POST',
        path: '/v1/chat',
        body: { id: chatId, messages: [user(pendingAssistantId, 'b asks')] },
        expect: { statuses: [200] },
      },
      {
        operation: 'post /v1/chat',
        method: 'POST',
        path: '/v1/chat',
        body: {
          id: chatId,
          messages: [
            {
              id: pendingAssistantId,
              role: 'assistant',
              parts: [
                { type: 'tool-pick', toolCallId: pendingToolCallId, state: 'output-available', input: {}, output: 1 },
              ],
            },
          ],
        },
        expect: { statuses: [412], code: 'failed_precondition' },
        twin,
      },
    );
    for (const messageId of userMessageIds) {
      cases.push(
        // b's own turn under a's message id: it must replay nothing of a's.
        {
          operation: 'post /v1/chat',
          method: 'POST',
          path: '/v1/chat',
          body: { id: chatId, messages: [user(messageId, 'b talking')] },
          expect: { statuses: [200] },
        },
        // Only b's own messages can be regenerated or edited: b sent one with this id just before,
        // unless b's own later regenerate or edit superseded it (a replay does not bring it back).
        {
          operation: 'post /v1/chat',
          method: 'POST',
          path: '/v1/chat',
          body: { id: chatId, trigger: 'regenerate-message', messages: [user(messageId, 'b talking')] },
          expect: { statuses: [200, 400] },
        },
        {
          operation: 'post /v1/chat',
          method: 'POST',
          path: '/v1/chat',
          body: { id: chatId, messageId, messages: [user(messageId, 'b edits')] },
          expect: { statuses: [200, 400] },
        },
      );
    }
  }
  return cases;
}

/** What app b has of its own, for the cases that hand app a's values to b's own objects. */
export interface IntruderState {
  sessionId: string;
  /** B's session with a pending client tool call of its own. */
  pendingSessionId: string;
  /** App a's pending tool call id (from a's events). */
  victimToolCallId: string;
  /** A cursor app a got from listing its sessions. */
  victimCursor: string;
}

/**
 * The whole sweep: every session route on every one of app a's sessions (the sleeping one first,
 * so the stops meet a running turn), then the routes without an id handed app a's values:
 * snapshots to fork, file tokens, tool call ids, list filters and cursors, channel names and
 * clientSessionIds, and the routes that take nothing (their answers must not mention a's state).
 */
export function sweepCases(victim: VictimState, intruder: IntruderState): SweepCase[] {
  const { sleeper, ...others } = victim.sessions;
  const cases = [sleeper, ...Object.values(others)].flatMap(sessionIdCases);
  const own = (suffix: string) => `/v1/sessions/${intruder.sessionId}${suffix}`;
  for (const snapshotId of victim.snapshotIds) {
    cases.push({
      operation: 'post /v1/sessions/{id}/fork',
      method: 'POST',
      path: own('/fork'),
      body: { snapshotId },
      expect: NOT_FOUND,
      twin: [[snapshotId, UNKNOWN.snapshot]],
    });
  }
  const invalid = { statuses: [400], code: 'invalid_argument' };
  const fileTwin: Array<[string, string]> = [[victim.fileToken, UNKNOWN.file]];
  for (const operation of ['turns', 'inputs']) {
    cases.push({
      operation: `post /v1/sessions/{id}/${operation}`,
      method: 'POST',
      path: own(`/${operation}`),
      body: { input: 'with a file', files: [victim.fileToken] },
      expect: invalid,
      twin: fileTwin,
    });
  }
  cases.push({
    operation: 'post /v1/sessions/{id}/resume',
    method: 'POST',
    path: `/v1/sessions/${intruder.pendingSessionId}/resume`,
    body: { toolResults: [{ toolCallId: intruder.victimToolCallId, output: 'stolen' }] },
    expect: invalid,
    twin: [[intruder.victimToolCallId, UNKNOWN.toolCall]],
  });

  const list = { statuses: [200] };
  for (const status of [null, 'active', 'archived', 'closed', 'all']) {
    for (const channel of [null, ...victim.channelNames]) {
      for (const limit of [null, '1', '200']) {
        const query = new URLSearchParams();
        if (status) query.set('status', status);
        if (channel) query.set('channel', channel);
        if (limit) query.set('limit', limit);
        cases.push({ operation: 'get /v1/sessions', method: 'GET', path: `/v1/sessions?${query}`, expect: list });
      }
    }
  }
  // A cursor is opaque: another app's one may be refused (400) or read as a position, but only b's sessions.
  cases.push({
    operation: 'get /v1/sessions',
    method: 'GET',
    path: `/v1/sessions?cursor=${encodeURIComponent(intruder.victimCursor)}`,
    expect: { statuses: [200, 400] },
  });
  for (const clientSessionId of victim.clientSessionIds) {
    cases.push({
      operation: 'post /v1/sessions',
      method: 'POST',
      path: '/v1/sessions',
      body: { clientSessionId },
      // 201 the first round, 200 (b's own session by that id) after.
      expect: { statuses: [201, 200] },
    });
  }
  for (const name of victim.channelNames) {
    const channel = `/v1/channels/${encodeURIComponent(name)}`;
    cases.push({
      operation: 'post /v1/channels/{channel}/resolve',
      method: 'POST',
      path: `${channel}/resolve`,
      body: {},
      expect: list,
    });
    cases.push({
      operation: 'post /v1/channels/{channel}/rotate',
      method: 'POST',
      path: `${channel}/rotate`,
      body: {},
      expect: list,
    });
  }
  cases.push(...chatCases(victim));
  cases.push(
    { operation: 'post /v1/files', method: 'POST', path: '/v1/files', raw: 'b bytes', expect: { statuses: [201] } },
    { operation: 'get /v1/lifecycle', method: 'GET', path: '/v1/lifecycle', headers: SSE, expect: list },
    { operation: 'get /v1/openapi.json', method: 'GET', path: '/v1/openapi.json', expect: list },
    { operation: 'get /healthz', method: 'GET', path: '/healthz', expect: list },
    { operation: 'get /metrics', method: 'GET', path: '/metrics', expect: list },
  );
  return cases;
}
