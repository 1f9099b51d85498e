import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { EventPage } from '@confab/client';
import type { Command } from 'commander';
import { CliError } from '../../cli-error.js';
import { addConnectionOptions, type ConnectionFlags, withClient } from '../../client/connection.js';
import type { CliEnvironment } from '../../environment.js';
import { Progress } from '../../progress.js';

/** The largest page of events the API gives (DESIGN §6.1): fewest round trips for a long log. */
const EVENT_PAGE_LIMIT = 1000;

interface ExportFlags extends ConnectionFlags {
  out?: string;
}

/**
 * Adds `confab sessions export <id> [--out file]`: every persisted event of the session (a fork's
 * inherited ones included), oldest first, one JSON object per line (JSONL), paged through
 * `GET …/events`. Writes to stdout, or to `--out` (created or overwritten); the count goes to stderr.
 */
export function registerSessionsExport(sessions: Command, environment: CliEnvironment): void {
  addConnectionOptions(
    sessions
      .command('export')
      .description("write all of a session's events as JSONL")
      .argument('<id>', 'session id')
      .option('--out <file>', 'write to this file instead of stdout'),
  ).action(async (id: string, flags: ExportFlags) => {
    const target = flags.out === undefined ? null : resolve(environment.cwd, flags.out);
    // The file is opened once the first page came back, so a wrong id or token leaves no empty file.
    let file: NodeJS.WritableStream | null = null;
    const progress = new Progress(environment.stderr);
    let count = 0;
    try {
      await withClient(
        flags,
        environment.env,
        async (client) => {
          const session = client.session(id);
          let after: number | null = 0;
          while (after !== null) {
            const page: EventPage = await session.events({ after, limit: EVENT_PAGE_LIMIT });
            if (target !== null) file ??= await openFile(target);
            const lines = page.events.map((event) => `${JSON.stringify(event)}\n`).join('');
            if (lines) await write(file ?? environment.stdout, lines);
            count += page.events.length;
            after = page.nextAfter;
            progress.update(`confab: exported ${count} events…`);
          }
        },
        `session ${id}`,
      );
    } finally {
      progress.clear();
      if (file) await closeFile(file);
    }
    environment.output.err(`confab: exported ${count} event(s) of session ${id}${target ? ` to ${target}` : ''}`);
  });
}

async function openFile(path: string): Promise<NodeJS.WritableStream> {
  const file = createWriteStream(path);
  try {
    await once(file, 'open');
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as Error).message}`, 1);
  }
  return file;
}

/** Waits for the stream to drain when its buffer is full, so a long log is never held in memory. */
async function write(sink: NodeJS.WritableStream, text: string): Promise<void> {
  if (!sink.write(text)) await once(sink, 'drain');
}

async function closeFile(sink: NodeJS.WritableStream): Promise<void> {
  await new Promise<void>((resolveClose, reject) => {
    sink.once('error', reject);
    sink.end(() => resolveClose());
  });
}
