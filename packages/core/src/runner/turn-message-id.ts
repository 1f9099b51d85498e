import type { SessionEvent } from '../model/event.js';

/**
 * The id the next model step of turn `turn` should give its first message: the turn's
 * `turn-start.assistantMessageId` (the id a chat UI announced for the turn's assistant message)
 * while no `message` of the history carries it yet, else undefined (a fresh id). So the first
 * message the turn persists, in whichever segment, has the UI's id (DESIGN §9: `start.messageId`
 * is the persisted assistant message's id), and no two messages ever share it.
 */
export function nextTurnMessageId(history: readonly SessionEvent[], turn: number): string | undefined {
  for (let index = history.length - 1; index >= 0; index--) {
    const event = history[index] as SessionEvent;
    if (event.type === 'turn-start') {
      const id = event.turn === turn ? event.data.assistantMessageId : undefined;
      if (id === undefined) return undefined;
      for (let after = index + 1; after < history.length; after++) {
        const later = history[after] as SessionEvent;
        if (later.type === 'message' && later.data.messageId === id) return undefined;
      }
      return id;
    }
  }
  return undefined;
}
