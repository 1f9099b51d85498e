import type { SessionEvent } from '@confab/client';
import { jsonOneLine, oneLine, shortTime } from './text.js';

const DETAIL_WIDTH = 100;

/** One event as a line of `sessions show`: seq, turn, time, type and what it says. */
export function formatEventLine(event: SessionEvent): string {
  return `#${event.seq}  turn ${event.turn}  ${shortTime(event.at)}  ${event.type}  ${describeEvent(event)}`.trimEnd();
}

/** What an event says, in a few words (its type excluded); long values are cut. */
export function describeEvent(event: SessionEvent): string {
  switch (event.type) {
    case 'input':
      return jsonOneLine(event.data.text, DETAIL_WIDTH);
    case 'turn-start':
      return `model ${event.data.model}, ${event.data.inputCount} input(s)`;
    case 'message':
      return `${event.data.role}: ${jsonOneLine(event.data.text, DETAIL_WIDTH)}`;
    case 'tool-call':
      return `${event.data.toolName} ${jsonOneLine(event.data.input, DETAIL_WIDTH)} (${event.data.executor}${
        event.data.needsApproval ? ', needs approval' : ''
      })`;
    case 'tool-approval-request':
      return `${event.data.toolName} ${jsonOneLine(event.data.input, DETAIL_WIDTH)}`;
    case 'tool-approval':
      return `${event.data.approved ? 'approved' : 'denied'} (${event.data.scope})`;
    case 'tool-result':
      return `${event.data.toolName}${event.data.isError ? ' (error)' : ''} → ${jsonOneLine(event.data.output, DETAIL_WIDTH)}`;
    case 'state-patch':
      return `version ${event.data.version}, ${event.data.patch.length} operation(s)`;
    case 'artifact':
      return event.data.name;
    case 'compaction':
      return `through #${event.data.throughSeq}: ${oneLine(event.data.summary, DETAIL_WIDTH)}`;
    case 'turn-end':
      return `${event.data.stopReason}, ${event.data.durationMs} ms${
        event.data.snapshotId ? `, snapshot ${event.data.snapshotId}` : ''
      }`;
    case 'error':
      return `${event.data.code}: ${oneLine(event.data.message, DETAIL_WIDTH)}`;
    default:
      return '';
  }
}
