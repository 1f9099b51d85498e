import type { SessionEvent } from 'confab';
import type { SessionStore } from 'confab/store';

const PAGE = 1000;

/**
 * Every persisted event of a chat's session, oldest first (a fork's inherited ones included): what
 * the chat views are built from. A chat UI shows the whole conversation, also what a compaction
 * summarised for the model, so a reloaded page still holds its early messages and a user can edit
 * or regenerate any of them. The cost grows with the log, as the page it fills does.
 */
export async function readChatLog(store: SessionStore, sessionId: string): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await store.readEvents(sessionId, { after, limit: PAGE });
    events.push(...page.events);
    if (page.nextAfter === null) return events;
    after = page.nextAfter;
  }
}
