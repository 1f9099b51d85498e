import type { SessionEvent } from 'confab';
import { describe, expect, it } from 'vitest';
import { encodeEventLine, parseEventLine, peekType } from './event-line.js';

const line = (event: SessionEvent) => encodeEventLine(event).subarray(0, -1);

const message = (sessionId: string, text: string): SessionEvent => ({
  seq: 12,
  sessionId,
  turn: 3,
  type: 'message',
  at: '2026-01-01T00:00:00.000Z',
  data: { messageId: 'm', role: 'assistant', text },
});

describe('peekType', () => {
  it('reads the type of every line encodeEventLine writes, whatever the session id holds', () => {
    for (const sessionId of ['ses_1', 'a"b', 'back\\slash\\', '\\"', 'ünï ☃', ',"turn":1,"type":"input"']) {
      const bytes = line(message(sessionId, 'hi'));
      expect(peekType(bytes)).toBe('message');
      expect(parseEventLine(bytes)?.sessionId).toBe(sessionId);
    }
    const call: SessionEvent = {
      seq: 1,
      sessionId: 'ses_1',
      turn: 0,
      type: 'tool-approval-request',
      at: '2026-01-01T00:00:00.000Z',
      data: { toolCallId: 'c', toolName: 't', input: { type: 'input' } },
    };
    expect(peekType(line(call))).toBe('tool-approval-request');
  });

  it('never takes a type from the data', () => {
    const bytes = line(message('ses_1', '{"seq":1,"sessionId":"x","turn":1,"type":"input"}'));
    expect(peekType(bytes)).toBe('message');
  });

  it('is null for lines not written in the fixed order, torn lines and unknown types', () => {
    const reordered = Buffer.from('{"seq":1,"turn":1,"sessionId":"s","type":"input","at":"x","data":{}}');
    const dataFirst = Buffer.from('{"seq":1,"data":{"type":"input"},"sessionId":"s","turn":1,"type":"message"}');
    const spaced = Buffer.from('{"seq": 1, "sessionId": "s", "turn": 1, "type": "input", "at": "x", "data": {}}');
    const torn = line(message('ses_1', 'hello')).subarray(0, -3);
    const unknown = Buffer.from('{"seq":1,"sessionId":"s","turn":1,"type":"messages","at":"x","data":{}}');
    for (const bytes of [reordered, dataFirst, spaced, torn, unknown, Buffer.from(''), Buffer.from('}')]) {
      expect(peekType(bytes)).toBeNull();
    }
  });
});
