/**
 * Operations of the OpenAPI document that the fuzzer and the isolation sweep do not generate yet,
 * each with the tests that cover them instead. The AI SDK UI endpoints (DESIGN §9) answer a UI
 * message stream whose frames are AI SDK chunks and end in `data: [DONE]`, not the session events
 * the fuzzer's frame checks read, and their chat ids are the app's own `clientSessionId`s.
 * Anything not listed here must have a generator and a sweep case, or those tests fail.
 */
export const COVERED_ELSEWHERE: Readonly<Record<string, string>> = {
  'post /v1/chat':
    'packages/server/src/chat.int.test.ts (another app’s chat id, every request form) and the malformed-request fuzzer of packages/server/src/malformed.int.test.ts',
  'get /v1/chat/{id}/stream': 'packages/server/src/chat.int.test.ts (204, reload and resume, other app)',
  'post /v1/chat/{id}/stop': 'packages/server/src/chat.int.test.ts (stop mid-answer)',
  'get /v1/chat/{id}/messages': 'packages/server/src/chat.int.test.ts (ids stable, superseded messages left out)',
  'post /v1/sessions/{id}/chat':
    'packages/server/src/session-chat.int.test.ts (a turn, an approval, another app’s session, closed) and tests/studio (the chat box)',
  'get /v1/sessions/{id}/chat/messages': 'packages/server/src/session-chat.int.test.ts (same as §9, other app)',
};

/** The operations (`<method> <path>`) a reliability sweep must cover: all but {@link COVERED_ELSEWHERE}. */
export function sweptOperations(operations: Iterable<string>): string[] {
  return [...operations].filter((operation) => !(operation in COVERED_ELSEWHERE)).sort();
}
