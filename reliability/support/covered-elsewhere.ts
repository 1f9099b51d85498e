/**
 * Operations of the OpenAPI document that the fuzzer and the isolation sweep do not generate, each
 * with the tests that cover them instead. The AI SDK UI endpoints of DESIGN §9 (`/v1/chat…`) have
 * generators (fuzz-routes.ts) and sweep cases (isolation-cases.ts); the session-id chat routes the
 * Studio uses are listed here until they get theirs. An operation added here needs a reason and
 * the tests named; anything not listed must have a generator and a sweep case, or those tests fail.
 */
export const COVERED_ELSEWHERE: Readonly<Record<string, string>> = {
  'post /v1/sessions/{id}/chat':
    'packages/server/src/session-chat.int.test.ts (a turn, an approval, another app’s session, closed) and tests/studio (the chat box)',
  'get /v1/sessions/{id}/chat/messages': 'packages/server/src/session-chat.int.test.ts (same as §9, other app)',
};

/** The operations (`<method> <path>`) a reliability sweep must cover: all but {@link COVERED_ELSEWHERE}. */
export function sweptOperations(operations: Iterable<string>): string[] {
  return [...operations].filter((operation) => !(operation in COVERED_ELSEWHERE)).sort();
}
