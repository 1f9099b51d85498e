/**
 * The tools this page runs itself. Confab learns them when the chat's session is created (the
 * `tools` field of the first `POST /v1/chat`), passes them to the model, and ends the turn when
 * one is called; the page answers with `addToolOutput` and `useChat` sends the answer back.
 */
export const CLIENT_TOOLS = [
  {
    name: 'browser_info',
    description: "The browser's language and time zone",
    inputSchema: { type: 'object', properties: {} },
  },
];

/** Whether the page answers calls to this tool. */
export function isClientTool(toolName: string): boolean {
  return CLIENT_TOOLS.some((tool) => tool.name === toolName);
}

/** The answer of `browser_info`. */
export function browserInfo(): { language: string; timeZone: string } {
  return { language: navigator.language, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone };
}
