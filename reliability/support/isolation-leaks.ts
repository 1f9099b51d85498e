import type { ApiClient, Loose } from '../../packages/server/src/test-support/harness.js';
import type { SweepCase } from './isolation-cases.js';

/** How long the sweep stays on a stream that opened (a live tail never ends by itself). */
const STREAM_READ_MS = 400;
/** No answer of the sweep may take longer to start (b's requests fail fast; a's sleeping turn is 2.5 s). */
const ANSWER_TIMEOUT_MS = 30_000;

/** An answer of the sweep: status, the whole body as text (a stream's frames included), parsed JSON. */
export interface SweepAnswer {
  status: number;
  text: string;
  json: Loose;
}

/** Sends one case as `client`; a stream is read for {@link STREAM_READ_MS}, then left. */
export async function sendCase(
  client: ApiClient,
  item: SweepCase,
  replace: Array<[string, string]> = [],
): Promise<SweepAnswer> {
  const swap = (text: string) => replace.reduce((current, [from, to]) => current.split(from).join(to), text);
  const controller = new AbortController();
  // Generous for the answer to start; a stream is then left after STREAM_READ_MS.
  let timer = setTimeout(() => controller.abort(), ANSWER_TIMEOUT_MS);
  try {
    const response = await client.fetch(item.method, swap(item.path), {
      body: item.body === undefined ? undefined : JSON.parse(swap(JSON.stringify(item.body))),
      raw: item.raw,
      headers: item.headers,
      signal: controller.signal,
      token: item.path.startsWith('/v1') ? undefined : null,
    });
    if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), STREAM_READ_MS);
    }
    // Read chunk by chunk: a stream left by the abort keeps what arrived before it.
    let text = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
      }
    } catch {
      // Left after STREAM_READ_MS: a live tail never ends by itself.
    }
    let json: Loose;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, text, json };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The secrets of app a that `text` contains, except `allowed` ones (what the request itself sent,
 * which an error may echo, and names b claimed for itself, such as a channel name both apps use).
 */
export function leaksIn(text: string, secrets: readonly string[], allowed: ReadonlySet<string>): string[] {
  return secrets.filter((secret) => !allowed.has(secret) && text.includes(secret));
}

/** The secrets that appear in the request of `item` (path, body, headers): an answer may echo them. */
export function secretsSentBy(item: SweepCase, secrets: readonly string[]): Set<string> {
  const sent = `${item.path} ${JSON.stringify(item.body ?? null)} ${item.raw ?? ''} ${JSON.stringify(item.headers ?? {})}`;
  const decoded = safeDecode(sent);
  return new Set(secrets.filter((secret) => sent.includes(secret) || decoded.includes(secret)));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
