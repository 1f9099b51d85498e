import type { StreamEvent } from '@confab/client';
import type { CliEnvironment } from '../environment.js';
import { jsonOneLine } from '../format/text.js';
import { Progress } from '../progress.js';

/** How long a turn may stay silent before the terminal shows that it is still waiting. */
const WAITING_NOTICE_MS = 400;
const VALUE_WIDTH = 200;

/**
 * Prints a chat's turns as they stream: assistant text delta by delta on stdout, tool calls with
 * their input, approvals and tool results as tagged lines, failures on stderr. With `json`, every
 * event (deltas included) is one JSON line on stdout instead. A reply whose deltas were missed (a
 * reconnect after the turn ended) is printed from its persisted `message`.
 */
export class ReplyPrinter {
  private lineOpen = false;
  private readonly streamedMessages = new Set<string>();
  private readonly progress: Progress;
  private waitingTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly environment: CliEnvironment,
    private readonly json: boolean,
  ) {
    this.progress = new Progress(environment.stderr);
  }

  /** Call when a turn (or resume) was sent: a silent wait gets a notice on the terminal. */
  waiting(hint: string): void {
    this.stopWaiting();
    this.waitingTimer = setTimeout(
      () => this.progress.update(`confab: waiting for the reply… ${hint}`),
      WAITING_NOTICE_MS,
    );
  }

  /** Prints one streamed event. */
  print(event: StreamEvent): void {
    if (this.json) {
      this.stopWaiting();
      this.environment.stdout.write(`${JSON.stringify(event)}\n`);
      return;
    }
    switch (event.type) {
      case 'text-delta':
        this.streamedMessages.add(event.data.messageId);
        this.write(event.data.delta);
        break;
      case 'message':
        if (event.data.role === 'system') this.line(`[system] ${event.data.text}`);
        else if (!this.streamedMessages.has(event.data.messageId)) this.write(event.data.text);
        this.endLine();
        break;
      case 'tool-call':
        this.line(
          `[tool call] ${event.data.toolName} ${jsonOneLine(event.data.input, VALUE_WIDTH)}${
            event.data.executor === 'client' ? ' (runs in this client)' : ''
          }`,
        );
        break;
      case 'tool-approval-request':
        this.line(`[approval needed] ${event.data.toolName} ${jsonOneLine(event.data.input, VALUE_WIDTH)}`);
        break;
      case 'tool-approval':
        this.line(
          `[approval] ${event.data.approved ? 'approved' : 'denied'}${event.data.scope === 'session' ? ' for this session' : ''}`,
        );
        break;
      case 'tool-result':
        this.line(
          `[tool ${event.data.isError ? 'error' : 'result'}] ${event.data.toolName} → ${jsonOneLine(event.data.output, VALUE_WIDTH)}`,
        );
        break;
      case 'error':
        this.finish();
        this.environment.output.err(`confab: the turn failed: ${event.data.code}: ${event.data.message}`);
        break;
      case 'turn-end':
        this.finish();
        if (!['stop', 'interrupted', 'error'].includes(event.data.stopReason)) {
          this.environment.output.err(`confab: the turn ended early (${event.data.stopReason})`);
        }
        break;
      default:
        // Inputs, turn starts, reasoning, tool-input deltas, state and artifacts are not part of the transcript.
        break;
    }
  }

  /** Prints a line of the chat's own (REPL command results), on a fresh line. */
  line(text: string): void {
    this.stopWaiting();
    this.endLine();
    this.environment.stdout.write(`${text}\n`);
  }

  /** Prints a REPL command's answer as one JSON line (`--json`), or `text` otherwise. */
  result(value: unknown, text: string): void {
    if (this.json) this.line(JSON.stringify(value));
    else this.line(text);
  }

  /** Ends an open line and removes the waiting notice: call when a turn is over. */
  finish(): void {
    this.stopWaiting();
    this.endLine();
  }

  private write(text: string): void {
    if (!text) return;
    // The waiting notice only goes once something shows: silent events (turn-start) keep it.
    this.stopWaiting();
    this.environment.stdout.write(text);
    this.lineOpen = !text.endsWith('\n');
  }

  private endLine(): void {
    if (!this.lineOpen) return;
    this.environment.stdout.write('\n');
    this.lineOpen = false;
  }

  private stopWaiting(): void {
    if (this.waitingTimer) clearTimeout(this.waitingTimer);
    this.waitingTimer = null;
    this.progress.clear();
  }
}
