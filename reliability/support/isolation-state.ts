import { randomBytes } from 'node:crypto';
import type { ApiClient, Loose } from '../../packages/server/src/test-support/harness.js';

/** App a's state the sweep attacks, and every string of it app b must never see. */
export interface VictimState {
  /** Every session of app a, by role. */
  sessions: {
    main: string;
    channel: string;
    rotatedAway: string;
    fork: string;
    pending: string;
    archived: string;
    closed: string;
    sleeper: string;
    /** A chat a ran through `POST /v1/chat`, and one left waiting for a client tool's output. */
    chat: string;
    chatPending: string;
  };
  snapshotIds: string[];
  fileToken: string;
  channelNames: string[];
  clientSessionIds: string[];
  /**
   * App a's chat ids (DESIGN §9: the `clientSessionId`s of its sessions, the sleeping one's included)
   * and what a's chat messages carry: the user message ids a's client chose, the pending
   * assistant message and its tool call.
   */
  chat: { ids: string[]; userMessageIds: string[]; pendingAssistantId: string; pendingToolCallId: string };
  /** Every id, text, title, channel name, meta value and token of app a (each unique to this run). */
  secrets: string[];
}

/** A marker no other run or app produces, so finding it anywhere is a leak. */
export const newMarker = (label: string) => `${label}-${randomBytes(6).toString('hex')}`;

async function ok(promise: Promise<{ status: number; body: Loose }>, what: string): Promise<Loose> {
  const answer = await promise;
  if (answer.status >= 300) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** A `useChat` user message. */
export function userText(id: string, text: string) {
  return { id, role: 'user', parts: [{ type: 'text', text }] };
}

/** Runs `POST /v1/chat` as `client` and returns the UI chunks of its stream. */
export async function chatTurn(client: ApiClient, body: Record<string, unknown>): Promise<Loose[]> {
  const response = await client.fetch('POST', '/v1/chat', { body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`chat: ${response.status} ${text}`);
  return text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: {'))
    .map((frame) => JSON.parse(frame.slice(6)));
}

/** Every string value of `value` that looks like an id or token, and every event text. */
function idsIn(value: unknown, into: Set<string>): void {
  const stack = [value];
  while (stack.length) {
    const current = stack.pop();
    // Not the echo model's tool call ids: `call_<n>` counts within a session, so every app has them.
    if (typeof current === 'string' && /^(ses|snap|in|inp|msg|file)_/.test(current)) into.add(current);
    else if (current && typeof current === 'object') stack.push(...Object.values(current));
  }
}

/**
 * App a builds the rich state of the sweep: a session with meta, state, turns and a manual
 * compaction; a channel session, rotated (so one archived, one active); a fork of a snapshot with a
 * turn of its own; a pending client tool call; an archived and a closed session; a file token.
 * Returns the ids and every secret string, read back from the events so ids made by the server
 * (inputs, messages, tool calls) are included.
 */
export async function buildVictimState(owner: ApiClient): Promise<VictimState> {
  const markers: string[] = [];
  const marker = (label: string) => {
    const value = newMarker(label);
    markers.push(value);
    return value;
  };
  const secret = marker('secret');
  const channelNames = [marker('a-room'), marker('a-dm')];
  const clientSessionIds = [marker('a-client')];
  const title = marker('a-title');
  const metaValue = marker('a-meta');
  const tools = [{ name: 'pick', inputSchema: { type: 'object' } }];

  const main = await owner.createSession({
    clientSessionId: clientSessionIds[0],
    title,
    meta: { note: metaValue },
    state: { plan: `${secret} state` },
    tools,
  });
  const first = await owner.turn(main.id, `${secret} first message`);
  await owner.turn(main.id, `${secret} second message`);
  await owner.turn(main.id, `${secret} third message`);
  await ok(owner.post(`/v1/sessions/${main.id}/compact`), 'compact');

  const resolved = await ok(owner.post(`/v1/channels/${encodeURIComponent(channelNames[0]!)}/resolve`), 'resolve');
  await owner.turn(resolved.session.id, `${secret} in the room`);
  const rotated = await ok(owner.post(`/v1/channels/${encodeURIComponent(channelNames[0]!)}/rotate`), 'rotate');
  await owner.turn(rotated.session.id, `${secret} after rotation`);
  await ok(owner.post(`/v1/channels/${encodeURIComponent(channelNames[1]!)}/resolve`), 'resolve dm');

  const fork = (await ok(owner.post(`/v1/sessions/${main.id}/fork`, { snapshotId: first.snapshotId }), 'fork')).session;
  await owner.turn(fork.id, `${secret} on the fork`);

  const pending = await owner.createSession({ tools, title: marker('a-pending') });
  // Answered once, pending again: a's pending call is `call_2`, which b's own pending session lacks.
  await owner.turn(pending.id, '/tool pick {}');
  const firstCall = (await ok(owner.get(`/v1/sessions/${pending.id}/events`), 'events')).events.find(
    (event: Loose) => event.type === 'tool-call',
  );
  await ok(
    owner.post(`/v1/sessions/${pending.id}/resume`, {
      toolResults: [{ toolCallId: firstCall.data.toolCallId, output: 1 }],
    }),
    'resume',
  );
  const interrupted = await owner.turn(pending.id, `/tool pick {"secret":"${secret}"}`);
  if (interrupted.stopReason !== 'interrupted') throw new Error(`expected an interrupt: ${interrupted.stopReason}`);

  const archived = await owner.createSession({ title: marker('a-archived') });
  await owner.turn(archived.id, `${secret} archived`);
  await ok(owner.post(`/v1/sessions/${archived.id}/archive`), 'archive');
  const closed = await owner.createSession({ title: marker('a-closed') });
  await owner.turn(closed.id, `${secret} closed`);
  await ok(owner.call('DELETE', `/v1/sessions/${closed.id}`), 'close');
  // The sleeping session is a chat too: b's chat routes on its id meet a running turn of a's.
  const sleeperChat = marker('a-sleeper-chat');
  const sleeper = await owner.createSession({ title: marker('a-sleeper'), clientSessionId: sleeperChat });
  const chatId = marker('a-chat');
  const userMessageId = marker('a-umsg');
  await chatTurn(owner, { id: chatId, messages: [userText(userMessageId, `${secret} chat message`)] });
  const pendingChatId = marker('a-chat-pending');
  const pendingMessageId = marker('a-umsg');
  const pendingChunks = await chatTurn(owner, {
    id: pendingChatId,
    tools,
    messages: [userText(pendingMessageId, `/tool pick {"secret":"${secret}"}`)],
  });
  const pendingAssistantId = pendingChunks.find((chunk) => chunk.type === 'start')?.messageId as string;
  const pendingToolCallId = pendingChunks.find((chunk) => chunk.type === 'tool-input-available')?.toolCallId as string;
  if (pendingChunks.at(-1)?.finishReason !== 'tool-calls') throw new Error('expected a chat waiting for a tool');
  const chatSession = await owner.createSession({ clientSessionId: chatId });
  const pendingChatSession = await owner.createSession({ clientSessionId: pendingChatId });

  const file = await ok(
    owner.call('POST', '/v1/files', { raw: `${secret} bytes`, headers: { 'content-type': 'text/plain' } }),
    'file',
  );

  const sessions = {
    main: main.id,
    channel: rotated.session.id,
    rotatedAway: resolved.session.id,
    fork: fork.id,
    pending: pending.id,
    archived: archived.id,
    closed: closed.id,
    sleeper: sleeper.id,
    chat: chatSession.id,
    chatPending: pendingChatSession.id,
  };
  const ids = new Set<string>([...Object.values(sessions), file.fileToken]);
  const snapshotIds: string[] = [];
  for (const id of Object.values(sessions)) {
    idsIn((await ok(owner.get(`/v1/sessions/${id}/events?limit=1000`), 'events')).events, ids);
    const snapshots = (await ok(owner.get(`/v1/sessions/${id}/snapshots`), 'snapshots')).snapshots as Loose[];
    for (const snapshot of snapshots) snapshotIds.push(snapshot.id);
  }
  for (const id of snapshotIds) ids.add(id);
  return {
    sessions,
    snapshotIds,
    fileToken: file.fileToken,
    channelNames,
    // Chat ids are clientSessionIds: b claims them for its own sessions and chats alike.
    clientSessionIds: [...clientSessionIds, sleeperChat, chatId, pendingChatId],
    chat: {
      ids: [clientSessionIds[0]!, sleeperChat, chatId, pendingChatId],
      userMessageIds: [userMessageId, pendingMessageId],
      pendingAssistantId,
      pendingToolCallId,
    },
    secrets: [...ids, ...markers],
  };
}
