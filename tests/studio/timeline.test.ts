import type { SessionEvent, StreamEvent } from '@confab/client';
import { describe, expect, it } from 'vitest';
import { buildRows, EventLog, pendingWork } from '../../packages/studio/app/timeline.js';

/** The Studio's timeline model: rows by turn, streaming drafts, and what an interrupted turn waits for. */
let seq = 0;
const event = (turn: number, type: string, data: Record<string, unknown>): SessionEvent =>
  ({ seq: ++seq, sessionId: 'ses_1', turn, type, at: '2026-01-01T00:00:00.000Z', data }) as SessionEvent;
const end = (turn: number, stopReason: string) =>
  event(turn, 'turn-end', {
    snapshotId: `snap_${seq}`,
    inputCount: 1,
    inputIds: [],
    stopReason,
    usage: null,
    durationMs: 3,
  });

describe('buildRows', () => {
  it('puts a header with its start and last end before each turn, and a tool result on its call', () => {
    seq = 0;
    const events = [
      event(1, 'turn-start', { inputIds: ['in_1', 'in_2'], inputCount: 2, model: 'echo' }),
      event(1, 'input', { inputId: 'in_1', text: 'a' }),
      event(1, 'tool-call', { toolCallId: 'c1', toolName: 't', input: {}, executor: 'client', needsApproval: false }),
      end(1, 'interrupted'),
      event(1, 'tool-result', { toolCallId: 'c1', toolName: 't', output: 1, isError: false }),
      end(1, 'stop'),
    ];
    const rows = buildRows(events);
    expect(rows.map((row) => row.kind)).toEqual(['turn', 'event', 'event', 'event', 'event']);
    const header = rows[0] as Extract<(typeof rows)[number], { kind: 'turn' }>;
    expect(header.end?.data).toMatchObject({ stopReason: 'stop' });
    const call = rows[2] as Extract<(typeof rows)[number], { kind: 'event' }>;
    expect(call.result?.type).toBe('tool-result');
  });
});

describe('EventLog', () => {
  it('keeps a replayed event once, and shows deltas until their message arrives', () => {
    seq = 0;
    const log = new EventLog();
    const start = event(1, 'turn-start', { inputIds: [], inputCount: 1, model: 'echo' });
    expect(log.add(start)).toBe(true);
    expect(log.add(start)).toBe(false);
    const delta = (sub: number, text: string): StreamEvent =>
      ({
        seq: 1,
        sub,
        sessionId: 'ses_1',
        turn: 1,
        type: 'text-delta',
        at: start.at,
        data: { messageId: 'm1', delta: text },
      }) as StreamEvent;
    log.add(delta(1, 'ec'));
    log.add(delta(2, 'ho'));
    expect(log.rows().at(-1)).toMatchObject({ kind: 'draft', text: 'echo' });
    log.add(event(1, 'message', { messageId: 'm1', role: 'assistant', text: 'echo' }));
    expect(log.rows().some((row) => row.kind === 'draft')).toBe(false);
    expect(log.lastSeq).toBe(2);
  });
});

describe('pendingWork', () => {
  it('lists unanswered approvals and client calls of an interrupted last turn, and nothing once answered', () => {
    seq = 0;
    const events = [
      event(1, 'turn-start', { inputIds: [], inputCount: 1, model: 'echo' }),
      event(1, 'tool-call', { toolCallId: 'a', toolName: 'rm', input: {}, executor: 'server', needsApproval: true }),
      event(1, 'tool-approval-request', { toolCallId: 'a', toolName: 'rm', input: {} }),
      event(1, 'tool-call', { toolCallId: 'b', toolName: 'ask', input: {}, executor: 'client', needsApproval: false }),
      end(1, 'interrupted'),
    ];
    const pending = pendingWork(events);
    expect(pending.approvals.map((item) => item.toolCallId)).toEqual(['a']);
    expect(pending.toolCalls.map((item) => item.toolCallId)).toEqual(['b']);
    const answered = [...events, event(1, 'tool-approval', { toolCallId: 'a', approved: true, scope: 'once' })];
    expect(pendingWork(answered).approvals).toEqual([]);
    expect(pendingWork([...answered, end(1, 'stop')])).toEqual({ toolCalls: [], approvals: [] });
  });
});
