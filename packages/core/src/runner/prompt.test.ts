import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, type NewEvent, type SessionEvent } from '../model/event.js';
import { buildPrompt, eventsToMessages, PROMPT_EVENT_TYPES, type ResolvedFile, visibleEvents } from './prompt.js';

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

describe('truncations (turn-start rewindTo)', () => {
  const end = (inputId: string) => ({
    snapshotId: null,
    inputCount: 1,
    inputIds: [inputId],
    stopReason: 'stop' as const,
    usage: null,
    durationMs: 1,
  });
  /** Turn 1, turn 2, then turn 3 edits turn 2's input (rewinds to turn 1's end), then turn 4 regenerates turn 3. */
  function editedHistory(): SessionEvent[] {
    seq = 0;
    const turn = (index: number, inputId: string, text: string, answer: string, rewindTo?: number): NewEvent[] => [
      {
        type: 'turn-start',
        turn: index,
        data: { inputIds: [inputId], inputCount: 1, model: 'echo', ...(rewindTo === undefined ? {} : { rewindTo }) },
      },
      { type: 'input', turn: index, data: { inputId, text } },
      { type: 'message', turn: index, data: { messageId: `m${index}`, role: 'assistant', text: answer } },
      { type: 'turn-end', turn: index, data: end(inputId) },
    ];
    return [
      ...turn(1, 'in_1', 'first', 'one'),
      ...turn(2, 'in_2', 'second', 'two'),
      ...turn(3, 'in_3', 'second, edited', 'two again', 4),
      ...turn(4, 'in_4', 'second, edited', 'two once more', 8),
    ].map(stamp);
  }

  it('drop the superseded events from the prompt while the log keeps them', () => {
    const history = editedHistory();
    expect(history).toHaveLength(16);
    const texts = eventsToMessages(history).map((message) =>
      typeof message.content === 'string'
        ? message.content
        : message.content.map((part) => ('text' in part ? part.text : '')).join(''),
    );
    expect(texts).toEqual(['first', 'one', 'second, edited', 'two once more']);
    const promptOnly = history.filter((event) => PROMPT_EVENT_TYPES.includes(event.type));
    expect(eventsToMessages(promptOnly)).toEqual(eventsToMessages(history));
  });

  it('visibleEvents keeps the events up to the rewind point and everything after the truncating turn-start', () => {
    const history = editedHistory();
    expect(visibleEvents(history).map((event) => event.seq)).toEqual([1, 2, 3, 4, 13, 14, 15, 16]);
    const plain = history.slice(0, 8);
    expect(visibleEvents(plain)).toBe(plain);
  });

  it('a rewind before the first event read drops everything before the truncating turn', () => {
    const tail = editedHistory().slice(4, 12);
    expect(visibleEvents(tail).map((event) => event.seq)).toEqual([9, 10, 11, 12]);
  });
});
