export {
  type ChatAction,
  type ChatBackend,
  type ChatScope,
  type ChatStream,
  type ChatTurn,
  chatSession,
  planChatRequest,
  readChatMessages,
  resumeChatStream,
  runChatRequest,
  sessionUIMessages,
  stopChat,
} from './chat-backend.js';
export { readChatLog } from './chat-log.js';
export {
  ChatIdSchema,
  ChatMessagesResponseSchema,
  type ChatRequest,
  ChatRequestSchema,
  parseChatRequest,
  textOfMessage,
} from './chat-request.js';
export { chatTurnsOf } from './chat-turns.js';
export {
  assistantMessageIdOf,
  errorTextOf,
  finishReasonOf,
  TurnChunks,
  type TurnChunksOptions,
} from './turn-chunks.js';
export { toUIMessageStreamResponse, type UIMessageStreamResponseOptions } from './ui-message-stream-response.js';
export { toUIMessages } from './ui-messages.js';
