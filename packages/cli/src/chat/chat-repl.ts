import type { ConfabClient, CreateSessionParams, Session, TurnStream } from '@confab/client';
import { CliError } from '../cli-error.js';
import { explainClientError } from '../client/explain-error.js';
import type { CliEnvironment } from '../environment.js';
import { formatMessage, loadHistory } from './history.js';
import type { LineReader } from './line-reader.js';
import { askForPendingAnswers, readerAsker } from './pending-answers.js';
import { parseReplCommand, REPL_HELP, type ReplCommand } from './repl-commands.js';
import type { ReplyPrinter } from './reply-printer.js';

/** How a chat starts. */
export interface ChatSettings {
  /** The server's URL, for error messages. */
  url: string;
  /** Continue this session; without it a new one is created. */
  sessionId?: string;
  /** What new sessions (the first one, `/new`) are created with. */
  createParams: CreateSessionParams;
}

/**
 * The chat loop: one turn per line read, REPL commands in between, until the input ends or
 * `/exit`. A failed turn or command is reported and the chat goes on; losing the server or the
 * token ends it (the error is thrown). Resolves to the number of turns that failed.
 */
export class ChatRepl {
  private session: Session | null = null;
  private running: TurnStream | null = null;
  private stopRequested = false;
  private failedTurns = 0;

  constructor(
    private readonly client: ConfabClient,
    private readonly settings: ChatSettings,
    private readonly environment: CliEnvironment,
    private readonly reader: LineReader,
    private readonly printer: ReplyPrinter,
  ) {}

  /** Runs the chat to its end; closes the reader also when it fails. */
  async run(): Promise<number> {
    this.reader.onInterrupt(() => this.interrupt());
    try {
      await this.openFirstSession();
      if (this.reader.interactive)
        this.environment.output.err('confab: /help lists the commands; /exit or Ctrl-D leaves');
      for (;;) {
        const line = await this.reader.next('> ');
        if (line === null) break;
        // An empty turn would be refused by the server; on a terminal Enter just shows a new prompt.
        if (!line.trim()) continue;
        const command = parseReplCommand(line);
        if (command === 'exit') break;
        if (command) await this.guard(() => this.runCommand(command));
        else if (!(await this.guard(() => this.runTurn(line)))) this.failedTurns += 1;
      }
    } finally {
      this.printer.finish();
      this.reader.close();
    }
    return this.failedTurns;
  }

  private get current(): Session {
    if (!this.session) throw new Error('the chat has no session yet');
    return this.session;
  }

  private async openFirstSession(): Promise<void> {
    if (this.settings.sessionId === undefined) {
      await this.startNewSession();
      return;
    }
    const session = this.client.session(this.settings.sessionId);
    const info = await session.get();
    this.session = session;
    const title = info.title ? ` "${info.title}"` : '';
    this.environment.output.err(
      `confab: chatting in session ${info.id}${title} (${info.turnCount} turn(s) so far, ${info.status})`,
    );
  }

  private async startNewSession(): Promise<void> {
    this.session = await this.client.sessions.create(this.settings.createParams);
    this.environment.output.err(`confab: new session ${this.session.id}`);
  }

  /**
   * Streams one turn; when it stops to wait for approvals or client tool results, asks for them
   * and streams the resume, until the turn really ends. True when it ended without an error.
   */
  private async runTurn(input: string): Promise<boolean> {
    const session = this.current;
    const asker = readerAsker(this.reader, (question) => this.environment.output.err(`confab: ${question}`));
    let stream = session.stream(input);
    try {
      for (;;) {
        this.running = stream;
        this.printer.waiting(this.reader.interactive ? '(Ctrl-C stops the turn)' : '');
        for await (const event of stream) this.printer.print(event);
        const result = await stream.result;
        this.printer.finish();
        if (result.stopReason !== 'interrupted') return result.stopReason !== 'error';
        const answers = await askForPendingAnswers(result, asker);
        if (!answers.approvals && !answers.toolResults) return true;
        stream = session.resumeStream(answers);
      }
    } finally {
      this.running = null;
      this.stopRequested = false;
    }
  }

  private async runCommand(command: Exclude<ReplCommand, 'exit'>): Promise<void> {
    switch (command) {
      case 'help':
        this.printer.line(REPL_HELP);
        return;
      case 'new':
        await this.startNewSession();
        this.printer.result({ command, session: this.current.info }, `now in new session ${this.current.id}`);
        return;
      case 'fork': {
        const from = this.current.id;
        const fork = await this.current.fork();
        const info = fork.info ?? (await fork.get());
        this.session = fork;
        const at = info.parent ? ` at #${info.parent.seq}` : '';
        this.printer.result({ command, session: info }, `forked ${from}${at}; now in ${fork.id}`);
        return;
      }
      case 'compact': {
        const answer = await this.current.compact();
        this.printer.result(
          { command, ...answer },
          answer.compacted
            ? `compacted through #${answer.throughSeq}; summary:\n${answer.summary}`
            : 'nothing to compact yet',
        );
        return;
      }
      case 'history': {
        const history = await loadHistory(this.current);
        const lines = history.messages.flatMap(formatMessage);
        if (history.summary !== null) lines.unshift(`[summary] ${history.summary}`);
        this.printer.result({ command, ...history }, lines.length ? lines.join('\n') : 'no messages yet');
        return;
      }
    }
  }

  /**
   * Runs a step of the chat. An error answer of the server is reported and the chat goes on
   * (false); an unreachable server, a refused token or an unexpected failure ends the chat.
   */
  private async guard(step: () => Promise<unknown>): Promise<boolean> {
    try {
      return (await step()) !== false;
    } catch (error) {
      this.printer.finish();
      const explained = explainClientError(error, this.settings.url, `session ${this.session?.id ?? ''}`);
      if (!(explained instanceof CliError) || explained.exitCode === 2) throw explained;
      this.environment.output.err(`confab: ${explained.message}`);
      return false;
    }
  }

  /** Ctrl-C: stops the running turn (twice: quits), or leaves at the prompt. */
  private interrupt(): void {
    if (!this.running) {
      this.reader.close();
      return;
    }
    if (this.stopRequested) process.exit(130);
    this.stopRequested = true;
    this.printer.finish();
    this.environment.output.err('confab: stopping the turn… (Ctrl-C again quits)');
    this.current.stop().catch(() => undefined);
  }
}
