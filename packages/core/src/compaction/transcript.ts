import type { SessionEvent } from '../model/event.js';
import { jsonText } from './token-estimate.js';

/**
 * One event as a line of a readable transcript for the compaction model, or null for events that
 * carry nothing worth summarising (turn bookkeeping, state patches, earlier compactions: the
 * previous summary is handed over separately).
 */
export function transcriptLine(event: SessionEvent): string | null {
  switch (event.type) {
    case 'input': {
      const files = event.data.files?.length ? ` [${event.data.files.length} file(s) attached]` : '';
      return `User: ${event.data.text}${files}`;
    }
    case 'message': {
      const speaker = event.data.role === 'system' ? 'System' : 'Assistant';
      const reasoning = event.data.reasoning ? `${speaker} (reasoning): ${event.data.reasoning}\n` : '';
      return `${reasoning}${speaker}: ${event.data.text}`;
    }
    case 'tool-call':
      return `Assistant called tool ${event.data.toolName} (call ${event.data.toolCallId}) with input ${jsonText(event.data.input)}`;
    case 'tool-approval-request':
      return `Approval was requested for tool ${event.data.toolName} (call ${event.data.toolCallId})`;
    case 'tool-approval':
      return `User ${event.data.approved ? 'approved' : 'denied'} tool call ${event.data.toolCallId}`;
    case 'tool-result':
      return `Tool ${event.data.toolName} (call ${event.data.toolCallId}) ${event.data.isError ? 'failed' : 'returned'}: ${jsonText(event.data.output)}`;
    case 'artifact':
      return `Artifact ${event.data.name}: ${jsonText(event.data.value)}`;
    case 'error':
      return `Error (${event.data.code}): ${event.data.message}`;
    default:
      return null;
  }
}

/**
 * The transcript of `events` as separate entries, oldest first, with a `[turn N]` marker whenever
 * the turn changes so the summariser can keep the order of exchanges straight. `previousTurn` is
 * the turn of the entry before the first (when a long transcript is built a slice at a time).
 */
export function transcriptEntries(events: readonly SessionEvent[], previousTurn: number | null = null): string[] {
  const entries: string[] = [];
  let turn: number | null = previousTurn;
  for (const event of events) {
    const line = transcriptLine(event);
    if (line === null) continue;
    entries.push(event.turn === turn ? line : `[turn ${event.turn}]\n${line}`);
    turn = event.turn;
  }
  return entries;
}
