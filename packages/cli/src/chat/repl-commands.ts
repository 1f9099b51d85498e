/** The chat's own commands; every other line, `/tool …` and `/sleep …` included, is a user message. */
export const REPL_COMMANDS = ['new', 'fork', 'compact', 'history', 'help', 'exit'] as const;

/** One of {@link REPL_COMMANDS}. */
export type ReplCommand = (typeof REPL_COMMANDS)[number];

/**
 * The REPL command a line is (`/new`, `/exit`…, alone on the line, surrounding blanks allowed), or
 * null for a line that is a message to send. A command with arguments is a message too: the echo
 * model's `/tool <name> <json>` and `/sleep <ms> <text>` must reach the server unchanged.
 */
export function parseReplCommand(line: string): ReplCommand | null {
  const match = /^\/([a-z]+)$/.exec(line.trim());
  const name = match?.[1];
  return name !== undefined && (REPL_COMMANDS as readonly string[]).includes(name) ? (name as ReplCommand) : null;
}

/** What `/help` prints. */
export const REPL_HELP = [
  'Type a message and press Enter to send it; the reply streams in as it is written.',
  '  /new      start a new session and switch to it',
  '  /fork     fork this session at its latest snapshot and switch to the fork',
  '  /compact  compact the history now and show the summary',
  '  /history  print the conversation (after the latest summary)',
  '  /help     this help',
  '  /exit     leave (also Ctrl-D); Ctrl-C stops a running turn',
  'Other lines starting with "/" are messages (the echo model understands /tool <name> <json> and /sleep <ms> <text>).',
].join('\n');
