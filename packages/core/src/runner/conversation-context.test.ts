import { describe, expect, it } from 'vitest';
import type { NewEvent, SessionEvent } from '../model/event.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { readConversationContext } from './conversation-context.js';
import { PROMPT_EVENT_TYPES } from './prompt.js';

/** A session whose log the test writes by hand; `turn` appends one whole turn and returns its events. */
async function handWrittenSession() {
  const store = new MemoryStore();
  const { session } = await store.createSession({ appId: 'app' });
  let index = 0;
  const append = async (events: NewEvent[]) => (await store.appendEvents({ sessionId: session.id, events })).events;
  const turn = async (text: string, rewindTo?: number): Promise<SessionEvent[]> => {
    index++;
    const inputId = `in_${index}`;
    const start = {
      inputIds: [inputId],
      inputCount: 1,
      model: 'echo',
      ...(rewindTo === undefined ? {} : { rewindTo }),
    };
    return append([
      { type: 'turn-start', turn: index, data: start },
      { type: 'input', turn: index, data: { inputId, text } },
      { type: 'message', turn: index, data: { messageId: `msg_${index}`, role: 'assistant', text: `echo: ${text}` } },
      {
        type: 'turn-end',
        turn: index,
        data: { snapshotId: null, inputCount: 1, inputIds: [inputId], stopReason: 'stop', usage: null, durationMs: 1 },
      },
    ]);
  };
  const compact = async (summary: string, throughSeq: number) =>
    (await append([{ type: 'compaction', turn: index, data: { summary, throughSeq } }]))[0] as SessionEvent;
  const texts = (events: SessionEvent[]) =>
    events.flatMap((event) => (event.type === 'input' || event.type === 'message' ? [event.data.text] : []));
  return { store, sessionId: session.id, turn, compact, texts };
}

const lastSeq = (events: SessionEvent[]) => (events.at(-1) as SessionEvent).seq;
const firstSeq = (events: SessionEvent[]) => (events[0] as SessionEvent).seq;

describe('readConversationContext', () => {
  it('is readContext when no truncation reaches behind the latest compaction', async () => {
    const log = await handWrittenSession();
    await log.turn('one');
    const two = await log.turn('two');
    await log.compact('S', lastSeq(two));
    const three = await log.turn('three');
    await log.turn('three, again', firstSeq(three) - 1);
    const options = { types: PROMPT_EVENT_TYPES };
    expect(await readConversationContext(log.store, log.sessionId, options)).toEqual(
      await log.store.readContext(log.sessionId, options),
    );
  });

  it('rebuilds from the log before the cut when a truncation reaches behind the only compaction', async () => {
    const log = await handWrittenSession();
    await log.turn('one');
    const two = await log.turn('two');
    const three = await log.turn('three');
    await log.compact('one two three', lastSeq(three));
    await log.turn('four');
    const edited = await log.turn('two, edited', firstSeq(two) - 1);
    const context = await readConversationContext(log.store, log.sessionId, { types: PROMPT_EVENT_TYPES });
    expect(context.compaction).toBeNull();
    expect(log.texts(context.events)).toEqual(['one', 'echo: one', 'two, edited', 'echo: two, edited']);
    expect(context.events.at(-1)).toEqual(edited.findLast((event) => event.type === 'message'));
    // Only the asked-for types, none of the bookkeeping.
    expect(context.events.every((event) => PROMPT_EVENT_TYPES.includes(event.type))).toBe(true);
  });

  it('bases the rebuilt context on the latest compaction still visible before the cut', async () => {
    const log = await handWrittenSession();
    const one = await log.turn('one');
    const first = await log.compact('about one', lastSeq(one));
    await log.turn('two');
    const three = await log.turn('three');
    await log.compact('about one to three', lastSeq(three));
    await log.turn('three, edited', firstSeq(three) - 1);
    const context = await readConversationContext(log.store, log.sessionId);
    expect(context.compaction).toEqual(first);
    expect(log.texts(context.events)).toEqual(['two', 'echo: two', 'three, edited', 'echo: three, edited']);
  });

  it('ignores a truncation a later one superseded', async () => {
    const log = await handWrittenSession();
    await log.turn('one');
    const two = await log.turn('two');
    const compaction = await log.compact('one two', lastSeq(two));
    const crossing = await log.turn('one, edited', 0);
    // Back to the compacted conversation: the crossing turn is superseded, the summary holds again.
    await log.turn('three', compaction.seq);
    expect(crossing).toHaveLength(4);
    const context = await readConversationContext(log.store, log.sessionId);
    expect(context).toEqual(await log.store.readContext(log.sessionId));
    expect(context.compaction).toEqual(compaction);
  });
});
