import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../model/event.js';
import { eventsToMessages } from '../runner/prompt.js';
import { chooseCompactionCut, isConversationMessage } from './cut-point.js';
import { conversationProblems, HistoryBuilder } from './test-history.js';

function chats(count: number): HistoryBuilder {
  const history = new HistoryBuilder();
  for (let turn = 1; turn <= count; turn++) history.chat(`question ${turn}`, `answer ${turn}`);
  return history;
}

/** Seven turns mixing plain answers, sequential and parallel tools, approvals (granted, denied, resumed). */
function toolHistory(): SessionEvent[] {
  const history = new HistoryBuilder().chat('hi', 'hello');
  const parallel: string[] = [];
  history
    .startTurn('find the report')
    .say('let me look')
    .tool('search')
    .call('fetch', { ids: parallel })
    .call('read', { ids: parallel })
    .result(parallel[1])
    .result(parallel[0])
    .say('found it')
    .endTurn();
  const approval: string[] = [];
  history.startTurn('delete the draft').call('delete', { needsApproval: true, ids: approval }).endTurn('interrupted');
  history.approve(approval[0]!).result(approval[0]).say('deleted').endTurn();
  history.startTurn('summarise it', 'and mail it').tool('summarise').tool('mail').tool('log').say('done').endTurn();
  history.chat('thanks', 'welcome');
  const denied: string[] = [];
  history
    .startTurn('deploy')
    .call('deploy', { needsApproval: true, ids: denied })
    .approve(denied[0]!, false)
    .result(denied[0])
    .say('not deployed')
    .endTurn();
  history.chat('bye', 'bye');
  return history.persisted();
}

function split(events: SessionEvent[], throughSeq: number) {
  return {
    head: events.filter((event) => event.seq <= throughSeq),
    tail: events.filter((event) => event.seq > throughSeq),
  };
}

const messageCount = (events: SessionEvent[]) => events.filter(isConversationMessage).length;

function toolCallIdOf(event: SessionEvent): string | null {
  return 'toolCallId' in event.data ? (event.data.toolCallId as string) : null;
}

describe('chooseCompactionCut', () => {
  it('keeps the last keepTail messages, starting the tail at a turn boundary', () => {
    const events = chats(10).persisted();
    // Each turn is turn-start, input, message, turn-end: turn 8 ends at seq 32.
    expect(chooseCompactionCut(events, 4)).toBe(32);
    // Three messages cannot end at a boundary: the whole of turn 9 is kept too.
    expect(chooseCompactionCut(events, 3)).toBe(32);
    expect(chooseCompactionCut(events, 1)).toBe(36);
    expect(chooseCompactionCut(events, 18)).toBe(4);
    const { tail } = split(events, 32);
    expect(tail[0]?.type).toBe('turn-start');
    expect(messageCount(tail)).toBe(4);
  });

  it('returns null when the cut would summarise nothing', () => {
    expect(chooseCompactionCut([], 1)).toBeNull();
    expect(chooseCompactionCut(chats(10).persisted(), 19)).toBeNull();
    expect(chooseCompactionCut(chats(10).persisted(), 20)).toBeNull();
    expect(chooseCompactionCut(chats(1).persisted(), 1)).toBeNull();
  });

  it('never separates tool calls from results or approvals, whatever keepTail is', () => {
    const events = toolHistory();
    const total = messageCount(events);
    let cuts = 0;
    let turnCuts = 0;
    for (let keepTail = 1; keepTail <= total + 1; keepTail++) {
      const throughSeq = chooseCompactionCut(events, keepTail);
      if (throughSeq === null) continue;
      cuts += 1;
      const { head, tail } = split(events, throughSeq);
      expect(messageCount(tail)).toBeGreaterThanOrEqual(keepTail);
      expect(messageCount(head)).toBeGreaterThan(0);
      const headIds = new Set(head.map(toolCallIdOf).filter((id) => id !== null));
      for (const event of tail) expect(headIds.has(toolCallIdOf(event) ?? '')).toBe(false);
      expect(tail.find(isConversationMessage)?.type).not.toBe('tool-result');
      expect(conversationProblems(eventsToMessages(tail))).toEqual([]);
      if (tail[0]?.type === 'turn-start') {
        turnCuts += 1;
        expect(eventsToMessages(tail)[0]?.role).toBe('user');
      } else {
        // A step boundary: only when no turn boundary keeps enough messages.
        expect(head.filter(isConversationMessage).at(-1)?.type).toBe('tool-result');
        expect(['message', 'tool-call']).toContain(tail.find(isConversationMessage)?.type);
      }
    }
    expect(cuts).toBeGreaterThan(10);
    expect(turnCuts).toBeGreaterThan(10);
  });

  it('falls back to a step boundary inside one long agentic turn', () => {
    const history = new HistoryBuilder().startTurn('research this');
    for (let step = 1; step <= 10; step++) history.tool(`step${step}`);
    const events = history.say('all done').endTurn().persisted();
    const throughSeq = chooseCompactionCut(events, 3);
    expect(throughSeq).not.toBeNull();
    const { head, tail } = split(events, throughSeq!);
    // Tail: the tenth call, its result and the final answer.
    expect(tail.filter(isConversationMessage).map((event) => event.type)).toEqual([
      'tool-call',
      'tool-result',
      'message',
    ]);
    expect(head.at(-1)?.type).toBe('tool-result');
    expect(conversationProblems(eventsToMessages(tail))).toEqual([]);
  });

  it('keeps an unanswered call, and everything after it, in the tail', () => {
    const pending: string[] = [];
    const history = chats(2).startTurn('delete it').call('delete', { needsApproval: true, ids: pending });
    const events = history.endTurn('interrupted').persisted();
    // The call waits on an approval: its answer will be appended later, so it cannot be summarised.
    expect(chooseCompactionCut(events, 1)).toBe(8);

    const agentic = new HistoryBuilder().startTurn('go').tool('a').tool('b').call('c', { needsApproval: true });
    const agenticEvents = agentic.endTurn('interrupted').persisted();
    const throughSeq = chooseCompactionCut(agenticEvents, 1)!;
    const { tail } = split(agenticEvents, throughSeq);
    expect(tail.map((event) => event.type)).toEqual(['tool-call', 'tool-approval-request', 'turn-end']);

    // Without a closing turn-end, a call with no result blocks every later cut.
    const running = chats(1).startTurn('run').call('slow').say('still waiting').persisted();
    expect(chooseCompactionCut(running, 1)).toBe(4);
  });

  it('lets a call abandoned by an aborted turn be summarised', () => {
    const history = new HistoryBuilder().startTurn('search').call('search').endTurn('aborted');
    const events = history.chat('q2', 'a2').chat('q3', 'a3').chat('q4', 'a4').persisted();
    expect(chooseCompactionCut(events, 2)).toBe(
      events.find((event) => event.turn === 3 && event.type === 'turn-end')?.seq,
    );
  });

  it('rejects a keepTail that is not an integer ≥ 1', () => {
    const events = chats(3).persisted();
    expect(() => chooseCompactionCut(events, 0)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => chooseCompactionCut(events, 1.5)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});
