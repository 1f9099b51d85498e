import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../model/event.js';
import { nextTurnMessageId } from './turn-message-id.js';

let seq = 0;
const event = (type: string, data: object, turn = 2) =>
  ({ seq: ++seq, sessionId: 'ses_1', turn, type, at: '2026-01-01T00:00:00.000Z', data }) as SessionEvent;
const start = (turn: number, extra: object = {}) =>
  event('turn-start', { inputIds: ['in_1'], inputCount: 1, model: 'echo', ...extra }, turn);
const message = (messageId: string) => event('message', { messageId, role: 'assistant', text: 'x' });

describe('nextTurnMessageId', () => {
  it("gives the turn's assistant message id until a message carries it", () => {
    const history = [
      start(1, { assistantMessageId: 'msg_old' }),
      message('msg_old'),
      start(2, { assistantMessageId: 'msg_ui' }),
    ];
    expect(nextTurnMessageId(history, 2)).toBe('msg_ui');
    history.push(event('tool-call', { toolCallId: 'c1' }));
    expect(nextTurnMessageId(history, 2)).toBe('msg_ui');
    history.push(message('msg_ui'));
    expect(nextTurnMessageId(history, 2)).toBeUndefined();
  });

  it('gives nothing for a turn without one, or when the latest turn-start is another turn’s', () => {
    expect(nextTurnMessageId([start(2)], 2)).toBeUndefined();
    expect(nextTurnMessageId([start(1, { assistantMessageId: 'msg_ui' })], 2)).toBeUndefined();
    expect(nextTurnMessageId([], 2)).toBeUndefined();
  });
});
