import type { SessionEvent } from 'confab';

/** A JSON answer, read loosely: each test checks the fields it relies on. */
export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field in the tests.
  body: any;
}

/** One finished turn as `POST /turns` answers it (DESIGN §6). */
export interface TurnAnswer {
  index: number;
  inputCount: number;
  inputIds: string[];
  events: SessionEvent[];
  stopReason: string;
}

/** Raw fetch calls against one server with one bearer token: no client SDK between the test and the wire. */
export class Api {
  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  /** Sends `body` as JSON (when given) and parses the answer; never throws on an HTTP status. */
  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<Answer> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: the test's failure message shows the text.
    }
    return { status: response.status, body: parsed };
  }

  /** Creates a session and returns its id. */
  async createSession(): Promise<string> {
    const answer = await this.request('POST', '/v1/sessions', {});
    if (answer.status !== 201) throw new Error(`creating a session: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.session.id as string;
  }

  /** Runs a JSON turn; any answer but 200 throws. */
  async turn(sessionId: string, input: string): Promise<TurnAnswer> {
    const answer = await this.request('POST', `/v1/sessions/${sessionId}/turns`, { input });
    if (answer.status !== 200) throw new Error(`turn: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.turn as TurnAnswer;
  }

  /** Every persisted event of the session, following `nextAfter` across pages. */
  async events(sessionId: string): Promise<SessionEvent[]> {
    const events: SessionEvent[] = [];
    let after = 0;
    for (;;) {
      const answer = await this.request('GET', `/v1/sessions/${sessionId}/events?after=${after}&limit=1000`);
      if (answer.status !== 200) throw new Error(`events: ${answer.status} ${JSON.stringify(answer.body)}`);
      events.push(...(answer.body.events as SessionEvent[]));
      if (answer.body.nextAfter === null) return events;
      after = answer.body.nextAfter as number;
    }
  }
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined; fails after `timeoutMs` naming `what`. */
export async function poll<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
