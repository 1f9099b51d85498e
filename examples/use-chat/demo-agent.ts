import { defineAgent, tool } from 'confab';
import { z } from 'zod';

/**
 * The agent behind the example's approval demo: a plain agent on the chosen model (as `confab
 * serve` runs) plus one server tool, `delete_file`, that waits for a person's approval before it
 * runs. With the echo model, `/tool delete_file {"path":"notes.txt"}` calls it.
 */
export function demoAgent(model: string) {
  return defineAgent({
    model,
    tools: {
      delete_file: tool({
        description: 'Deletes a file (a pretend one: it only says so)',
        inputSchema: z.object({ path: z.string() }),
        approval: 'always',
        execute: ({ path }) => ({ deleted: path }),
      }),
    },
  });
}
