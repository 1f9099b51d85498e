import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, type NewEvent, type SessionEvent } from '../model/event.js';
import { buildPrompt, eventsToMessages, PROMPT_EVENT_TYPES, type ResolvedFile } from './prompt.js';

let seq = 0;
const stamp = (event: NewEvent): SessionEvent =>
  ({ ...event, seq: ++seq, sessionId: 'ses_1', at: '2026-01-01T00:00:00.000Z' }) as SessionEvent;

/**
 * Two turns holding every persisted event type: an approved call, a denied one, a call left
 * without a result, a system message, a state patch, an artifact, an error, a compaction.
 */
function richHistory(): SessionEvent[] {
  const end = (inputId: string, stopReason: 'stop' | 'interrupted') => ({
    snapshotId: null,
    inputCount: 1,
    inputIds: [inputId],
    stopReason,
    usage: null,
    durationMs: 1,
  });
  const events: NewEvent[] = [
    { type: 'turn-start', turn: 1, data: { inputIds: ['in_1'], inputCount: 1, model: 'echo' } },
    { type: 'input', turn: 1, data: { inputId: 'in_1', text: 'look this up', files: ['file_1'] } },
    { type: 'message', turn: 1, data: { messageId: 'm1', role: 'assistant', text: 'checking', reasoning: 'hmm' } },
    {
      type: 'tool-call',
      turn: 1,
      data: { toolCallId: 'c1', toolName: 'lookup', input: { q: 1 }, executor: 'server', needsApproval: true },
    },
    {
      type: 'tool-call',
      turn: 1,
      data: { toolCallId: 'c2', toolName: 'lookup', input: { q: 2 }, executor: 'server', needsApproval: true },
    },
    { type: 'tool-approval-request', turn: 1, data: { toolCallId: 'c1', toolName: 'lookup', input: { q: 1 } } },
    { type: 'tool-approval-request', turn: 1, data: { toolCallId: 'c2', toolName: 'lookup', input: { q: 2 } } },
    { type: 'turn-end', turn: 1, data: end('in_1', 'interrupted') },
    { type: 'tool-approval', turn: 1, data: { toolCallId: 'c1', approved: true, scope: 'once' } },
    { type: 'tool-approval', turn: 1, data: { toolCallId: 'c2', approved: false, scope: 'once' } },
    {
      type: 'tool-result',
      turn: 1,
      data: { toolCallId: 'c2', toolName: 'lookup', output: { error: 'no' }, isError: true },
    },
    {
      type: 'tool-result',
      turn: 1,
      data: { toolCallId: 'c1', toolName: 'lookup', output: { found: 1 }, isError: false },
    },
    { type: 'state-patch', turn: 1, data: { patch: [{ op: 'add', path: '/seen', value: 1 }], version: 1 } },
    { type: 'artifact', turn: 1, data: { name: 'report', value: { rows: 2 } } },
    { type: 'message', turn: 1, data: { messageId: 'm2', role: 'assistant', text: 'found it' } },
    { type: 'turn-end', turn: 1, data: end('in_1', 'stop') },
    { type: 'compaction', turn: 1, data: { summary: 'earlier', throughSeq: 0 } },
    { type: 'turn-start', turn: 2, data: { inputIds: ['in_2'], inputCount: 1, model: 'echo' } },
    { type: 'input', turn: 2, data: { inputId: 'in_2', text: 'and now?' } },
    { type: 'message', turn: 2, data: { messageId: 'm3', role: 'system', text: 'be brief' } },
    {
      type: 'tool-call',
      turn: 2,
      data: { toolCallId: 'c3', toolName: 'lookup', input: {}, executor: 'client', needsApproval: false },
    },
    { type: 'error', turn: 2, data: { code: 'unavailable', message: 'model error' } },
    { type: 'turn-end', turn: 2, data: end('in_2', 'stop') },
    { type: 'input', turn: 3, data: { inputId: 'in_3', text: 'third' } },
  ];
  return events.map(stamp);
}

describe('PROMPT_EVENT_TYPES', () => {
  it('leave out nothing a prompt is built from', () => {
    const history = richHistory();
    expect(new Set(history.map((event) => event.type))).toEqual(new Set(EVENT_TYPES));
    const promptOnly = history.filter((event) => PROMPT_EVENT_TYPES.includes(event.type));
    expect(promptOnly.length).toBeLessThan(history.length);
    const files = new Map<string, ResolvedFile>([
      ['file_1', { mediaType: 'text/plain', data: new Uint8Array([104, 105]), name: 'a.txt' }],
    ]);
    const full = eventsToMessages(history, files);
    expect(full.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'tool',
      'assistant',
      'user',
      'system',
      'assistant',
      'tool',
      'user',
    ]);
    expect(eventsToMessages(promptOnly, files)).toEqual(full);
    expect(buildPrompt({ system: 'sys', summary: 'earlier', events: promptOnly, files })).toEqual(
      buildPrompt({ system: 'sys', summary: 'earlier', events: history, files }),
    );
  });
});
