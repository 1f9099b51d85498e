import { ChatMessagesResponseSchema, ChatRequestSchema } from '@confab/ai-sdk-ui';

/** Named schemas of the server's own routes beyond the core's wire contract (the AI SDK UI endpoints). */
export const EXTRA_SCHEMAS = {
  ChatRequest: ChatRequestSchema,
  ChatMessagesResponse: ChatMessagesResponseSchema,
} as const;
