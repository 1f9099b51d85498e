import {
  AbstractChat,
  type ChatInit,
  type ChatState,
  type ChatStatus,
  DefaultChatTransport,
  type UIMessage,
  type UIMessageChunk,
} from 'ai';

/** The plain chat state a UI framework would keep: an array and a status, updated in place. */
class PlainChatState implements ChatState<UIMessage> {
  status: ChatStatus = 'ready';
  error: Error | undefined = undefined;
  messages: UIMessage[];

  constructor(messages: UIMessage[] = []) {
    this.messages = messages;
  }

  pushMessage = (message: UIMessage) => {
    this.messages = [...this.messages, message];
  };
  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (index: number, message: UIMessage) => {
    this.messages = [...this.messages.slice(0, index), message, ...this.messages.slice(index + 1)];
  };
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

/** Options of {@link TestChat}: the chat's init, plus where the server is and the bearer token. */
export interface TestChatOptions extends Omit<ChatInit<UIMessage>, 'transport'> {
  url: string;
  token: string;
  /** The transport's `api` path on `url`; default `/v1/chat` (DESIGN §9). */
  apiPath?: string;
  /** Extra body fields of every request (e.g. `tools`, `agent`). */
  body?: Record<string, unknown>;
  messages?: UIMessage[];
}

/**
 * The AI SDK's own chat (`AbstractChat`, what `useChat` wraps) with its `DefaultChatTransport`
 * pointed at a Confab server with nothing but `api` and `headers`, as a `useChat` app would be.
 * Every chunk the transport parsed is recorded, so tests can check the wire too.
 */
export class TestChat extends AbstractChat<UIMessage> {
  readonly chunks: UIMessageChunk[][] = [];

  constructor(options: TestChatOptions) {
    const { url, token, apiPath = '/v1/chat', body, messages, ...init } = options;
    const chunks: UIMessageChunk[][] = [];
    const transport = new DefaultChatTransport<UIMessage>({
      api: `${url}${apiPath}`,
      headers: { authorization: `Bearer ${token}` },
      body,
    });
    // Records what each response carried, exactly as the transport parsed it.
    const record = (stream: ReadableStream<UIMessageChunk> | null) => {
      if (!stream) return stream;
      const seen: UIMessageChunk[] = [];
      chunks.push(seen);
      return stream.pipeThrough(
        new TransformStream<UIMessageChunk, UIMessageChunk>({
          transform(chunk, controller) {
            seen.push(chunk);
            controller.enqueue(chunk);
          },
        }),
      );
    };
    const send = transport.sendMessages.bind(transport);
    const reconnect = transport.reconnectToStream.bind(transport);
    transport.sendMessages = async (request) => record(await send(request)) as ReadableStream<UIMessageChunk>;
    transport.reconnectToStream = async (request) => record(await reconnect(request));
    super({ ...init, transport, state: new PlainChatState(messages) });
    this.chunks = chunks;
  }

  /** The text of a message's text parts. */
  static textOf(message: UIMessage | undefined): string {
    return (message?.parts ?? []).flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
  }
}
