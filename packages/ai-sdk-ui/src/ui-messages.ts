import { readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import type { SessionEvent } from 'confab';
import { chatTurnsOf } from './chat-turns.js';
import { TurnChunks } from './turn-chunks.js';

/**
 * A session's conversation as AI SDK `UIMessage`s, oldest first: per turn its user message(s)
 * and one assistant message holding every step of the turn, its continuations after approvals
 * and client tool outputs included. The assistant message is built by the AI SDK's own
 * `readUIMessageStream` from the very chunks the turn streams, so a client that watched the
 * stream and one that loads the messages hold the same message, with the same ids. Superseded
 * messages (a regenerate, an edit) are left out; only persisted events count (a running turn's
 * text shows as far as it is persisted).
 */
export async function toUIMessages(events: SessionEvent[]): Promise<UIMessage[]> {
  const messages: UIMessage[] = [];
  for (const turn of chatTurnsOf(events)) {
    for (const input of turn.inputs) {
      messages.push({ id: input.messageId, role: 'user', parts: [{ type: 'text', text: input.text }] });
    }
    const assistant = await assistantMessageOf(turn.assistantMessageId, turn.events);
    if (assistant) messages.push(assistant);
  }
  return messages;
}

/** The assistant message of a turn's events, or null when the turn produced nothing to show yet. */
async function assistantMessageOf(messageId: string, events: SessionEvent[]): Promise<UIMessage | null> {
  // Every turn-end of the history ends a segment only: the message is the whole turn.
  const converter = new TurnChunks({ messageId, segmentEndsThroughSeq: Number.POSITIVE_INFINITY });
  const chunks: UIMessageChunk[] = [...converter.begin()];
  for (const event of events) {
    // An error is no part of the message; a client learns of it from the stream that ran it.
    if (event.type !== 'error') chunks.push(...converter.push(event));
  }
  chunks.push(...converter.abort());
  let last: UIMessage | null = null;
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  for await (const message of readUIMessageStream({ stream, terminateOnError: true })) last = message;
  if (!last || last.parts.length === 0) return null;
  return { ...last, id: messageId, parts: withApprovalAnswers(last.parts, events) };
}

/**
 * Records each approval answer on its tool part, as the client's `addToolApprovalResponse` did
 * (the UI message stream of ai@6 has no chunk for an answer: the client made it).
 */
function withApprovalAnswers(parts: UIMessage['parts'], events: SessionEvent[]): UIMessage['parts'] {
  const answers = new Map<string, boolean>();
  for (const event of events)
    if (event.type === 'tool-approval') answers.set(event.data.toolCallId, event.data.approved);
  if (answers.size === 0) return parts;
  return parts.map((part) => {
    if (!('toolCallId' in part) || !('approval' in part) || !part.approval) return part;
    const approved = answers.get(part.toolCallId);
    return approved === undefined ? part : ({ ...part, approval: { ...part.approval, approved } } as typeof part);
  });
}
