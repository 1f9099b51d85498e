import type { SessionEvent, StreamEvent } from '@confab/client';

/** What {@link checkDelivery} found for one stream. */
export interface DeliveryReport {
  /** Every way the stream broke exactly-once-in-order; empty when it held. */
  problems: string[];
  /** Persisted events checked against the log. */
  persisted: number;
  /** Deltas checked. */
  deltas: number;
}

/**
 * Checks what one stream delivered against the session's log (read as JSON afterwards):
 * - positions strictly increase, a persisted event being `(seq, 0)` and a delta `(seq, sub)`:
 *   nothing twice (no `(seq, sub)` repeated), nothing out of order;
 * - the persisted events are exactly `expected` (the log's events for the stream's range), equal
 *   field by field, each once, in order;
 * - the deltas under one seq have subs 1, 2, 3… without a hole (missed deltas of a running turn are
 *   replayed; only those of an ended turn may be left out, and then only at the end), and their
 *   text is a prefix of the message that follows them (same `messageId`).
 * `label` names the stream in each problem so a failure says which stream and where.
 */
export function checkDelivery(label: string, received: StreamEvent[], expected: SessionEvent[]): DeliveryReport {
  const problems: string[] = [];
  let previous: { seq: number; sub: number; id: string } | null = null;
  for (const [index, event] of received.entries()) {
    const current = positionOf(event);
    if (previous && (current.seq < previous.seq || (current.seq === previous.seq && current.sub <= previous.sub))) {
      problems.push(`${label}: event #${index} ${current.id} (${event.type}) came after ${previous.id}`);
    }
    previous = current;
  }

  const persisted = received.filter((event): event is SessionEvent => !('sub' in event));
  const length = Math.max(persisted.length, expected.length);
  for (let index = 0; index < length; index++) {
    const got = persisted[index];
    const want = expected[index];
    if (JSON.stringify(got) === JSON.stringify(want)) continue;
    problems.push(
      `${label}: persisted #${index} is ${describe(got)} where the log has ${describe(want)}` +
        ` (received ${persisted.length}, log range ${expected.length})`,
    );
    // The rest is shifted by the first difference: one report says enough.
    break;
  }

  const deltas = received.filter((event) => 'sub' in event);
  const bySeq = new Map<number, StreamEvent[]>();
  for (const delta of deltas) bySeq.set(delta.seq, [...(bySeq.get(delta.seq) ?? []), delta]);
  for (const [seq, group] of bySeq) {
    const subs = group.map((delta) => ('sub' in delta ? delta.sub : 0));
    if (subs.some((sub, index) => sub !== index + 1)) {
      problems.push(`${label}: deltas after seq ${seq} have subs ${subs.join(',')}, not 1…${subs.length}`);
    }
    const message = expected.find((event) => event.seq > seq && event.type === 'message');
    const text = group.map((delta) => (delta.type === 'text-delta' ? delta.data.delta : '')).join('');
    const messageId = group[0]?.type === 'text-delta' ? group[0].data.messageId : null;
    if (message?.type === 'message' && messageId === message.data.messageId && !message.data.text.startsWith(text)) {
      problems.push(`${label}: deltas after seq ${seq} spell ${JSON.stringify(text)}, not a prefix of the message`);
    }
  }
  return { problems, persisted: persisted.length, deltas: deltas.length };
}

function positionOf(event: StreamEvent): { seq: number; sub: number; id: string } {
  if ('sub' in event) return { seq: event.seq, sub: event.sub, id: `${event.seq}.${event.sub}` };
  return { seq: event.seq, sub: 0, id: String(event.seq) };
}

function describe(event: SessionEvent | undefined): string {
  return event ? `${event.seq} ${event.type}` : 'nothing';
}
