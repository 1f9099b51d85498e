import type {
  LanguageModelV3FilePart,
  LanguageModelV3Message,
  LanguageModelV3Prompt,
  LanguageModelV3TextPart,
  LanguageModelV3ToolCallPart,
  LanguageModelV3ToolResultPart,
} from '@ai-sdk/provider';
import type { EventType, SessionEvent } from '../model/event.js';

/** A file referenced by an input, resolved to its bytes. */
export interface ResolvedFile {
  mediaType: string;
  data: Uint8Array;
  name: string | null;
}

type AssistantPart = LanguageModelV3TextPart | { type: 'reasoning'; text: string } | LanguageModelV3ToolCallPart;

/** The text that introduces a compaction summary to the model. */
export const SUMMARY_PREAMBLE = 'Summary of the earlier conversation:';

/**
 * The event types {@link eventsToMessages} reads (and the file references of `input`s): a prompt
 * built from only these events is the prompt built from the whole log, so the runner loads just
 * them (`readContext` with `types`). A type handled there must be listed here (`turn-start` for the
 * truncations it may record).
 */
export const PROMPT_EVENT_TYPES: readonly EventType[] = ['turn-start', 'input', 'message', 'tool-call', 'tool-result'];

/**
 * The events still part of the conversation: a `turn-start` with `rewindTo` supersedes the events
 * after that seq that precede it (a regenerate or an edit), which are dropped here; the log keeps
 * them. Events must be in seq order; without truncations the same array is returned.
 */
export function visibleEvents<Event extends { seq: number; type: string; data: unknown }>(events: Event[]): Event[] {
  let visible: Event[] | null = null;
  for (let index = 0; index < events.length; index++) {
    const event = events[index] as Event;
    const rewindTo = event.type === 'turn-start' ? (event.data as { rewindTo?: unknown }).rewindTo : undefined;
    if (typeof rewindTo === 'number') {
      visible ??= events.slice(0, index);
      let keep = visible.length;
      while (keep > 0 && (visible[keep - 1] as Event).seq > rewindTo) keep--;
      visible.length = keep;
    }
    visible?.push(event);
  }
  return visible ?? events;
}

/**
 * The conversation of `events` as provider messages, in order: inputs become user messages,
 * assistant messages and tool calls of one step become one assistant message, tool results one
 * tool message. Bookkeeping events and superseded ones ({@link visibleEvents}) are left out. A tool
 * call without a recorded result gets an error result, so the conversation is always valid for a
 * provider.
 */
export function eventsToMessages(
  events: SessionEvent[],
  files: ReadonlyMap<string, ResolvedFile> = new Map(),
): LanguageModelV3Message[] {
  const messages: LanguageModelV3Message[] = [];
  const answered = new Set<string>();
  const conversation = visibleEvents(events);
  for (const event of conversation) if (event.type === 'tool-result') answered.add(event.data.toolCallId);
  let assistant: AssistantPart[] | null = null;
  let tool: LanguageModelV3ToolResultPart[] | null = null;
  const closeAssistant = () => {
    if (!assistant) return;
    messages.push({ role: 'assistant', content: assistant });
    for (const part of assistant) {
      if (part.type !== 'tool-call' || answered.has(part.toolCallId)) continue;
      tool ??= [];
      tool.push({
        type: 'tool-result',
        toolCallId: part.toolCallId,
        toolName: part.toolName,
        output: { type: 'error-text', value: 'no result was recorded for this tool call' },
      });
    }
    assistant = null;
  };
  const closeTool = () => {
    if (tool) messages.push({ role: 'tool', content: tool });
    tool = null;
  };
  const flush = () => {
    closeAssistant();
    closeTool();
  };

  for (const event of conversation) {
    switch (event.type) {
      case 'input': {
        flush();
        const content: Array<LanguageModelV3TextPart | LanguageModelV3FilePart> = [
          { type: 'text', text: event.data.text },
        ];
        for (const token of event.data.files ?? []) {
          const file = files.get(token);
          if (file)
            content.push({
              type: 'file',
              mediaType: file.mediaType,
              data: file.data,
              filename: file.name ?? undefined,
            });
        }
        // The turn tag lets a model tell this turn's inputs from an earlier unanswered turn's.
        messages.push({ role: 'user', content, providerOptions: { confab: { turn: event.turn } } });
        break;
      }
      case 'message': {
        if (event.data.role === 'system') {
          flush();
          messages.push({ role: 'system', content: event.data.text });
          break;
        }
        closeTool();
        assistant ??= [];
        if (event.data.reasoning) assistant.push({ type: 'reasoning', text: event.data.reasoning });
        if (event.data.text) assistant.push({ type: 'text', text: event.data.text });
        break;
      }
      case 'tool-call': {
        closeTool();
        assistant ??= [];
        assistant.push({
          type: 'tool-call',
          toolCallId: event.data.toolCallId,
          toolName: event.data.toolName,
          input: event.data.input,
        });
        break;
      }
      case 'tool-result': {
        closeAssistant();
        tool ??= [];
        tool.push({
          type: 'tool-result',
          toolCallId: event.data.toolCallId,
          toolName: event.data.toolName,
          output: event.data.isError
            ? { type: 'error-json', value: event.data.output }
            : { type: 'json', value: event.data.output },
        });
        break;
      }
      default:
        break;
    }
  }
  flush();
  return messages;
}

/** The full prompt of a model call: system prompt, compaction summary, then the conversation. */
export function buildPrompt(options: {
  system?: string;
  summary?: string | null;
  events: SessionEvent[];
  files?: ReadonlyMap<string, ResolvedFile>;
}): LanguageModelV3Prompt {
  const prompt: LanguageModelV3Prompt = [];
  if (options.system) prompt.push({ role: 'system', content: options.system });
  const conversation = eventsToMessages(options.events, options.files);
  if (options.summary) {
    const summary = `${SUMMARY_PREAMBLE}\n${options.summary}`;
    // Some providers require the conversation to open with a user message; a tail kept from the
    // middle of a long agentic turn may open with the assistant, so the summary takes that place.
    if (conversation[0]?.role === 'user') prompt.push({ role: 'system', content: summary });
    else prompt.push({ role: 'user', content: [{ type: 'text', text: summary }] });
  }
  prompt.push(...conversation);
  return prompt;
}
