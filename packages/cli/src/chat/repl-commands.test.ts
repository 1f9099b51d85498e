import { describe, expect, it } from 'vitest';
import { parseReplCommand } from './repl-commands.js';

describe('parseReplCommand', () => {
  it('knows only /new, /fork, /compact, /history, /help and /exit, alone on their line', () => {
    expect(['/new', ' /fork ', '/compact', '/history', '/help', '/exit'].map(parseReplCommand)).toEqual([
      'new',
      'fork',
      'compact',
      'history',
      'help',
      'exit',
    ]);
    for (const message of ['/tool lookup {"q":1}', '/sleep 100 hi', '/exit now', '/quit', 'hello', '/', '/NEW']) {
      expect(parseReplCommand(message)).toBeNull();
    }
  });
});
