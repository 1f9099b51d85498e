import { closeSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { Pool } from 'confab';
import { nowMs, type Summary, summarize } from '../lib/stats.js';
import type { BenchStore } from '../lib/stores.js';

/** One window of a growing conversation: the turn cost around a history length. */
export interface PoolTurnWindow {
  store: string;
  /** Conversation messages (user + assistant) before the window's first turn. */
  messages: number;
  msPerTurn: Summary;
  /** The slowest turn of the window (a compaction, when one happened in it). */
  maxMs: number;
  /** CPU time (user + system) of this process per turn, in ms: steadier than wall time on a busy machine. */
  cpuMsPerTurn: number;
  /**
   * The most CPU time this process spent during one turn of the window, in ms: a compaction's work
   * shows here wherever it runs (in the turn, or beside it in the background), as a wall-time
   * spike would on a quiet machine.
   */
  maxCpuMs: number;
  /** Bytes this process sent to storage per turn (every file, /proc/self/io `write_bytes`); null where unreadable. */
  bytesWrittenPerTurn: number | null;
  /** Compactions that happened during the window. */
  compactions: number;
}

/** The floor: the same messages appended to a plain file as JSON lines, fsync'd once per turn. */
export interface RawLogWindow {
  msPerTurn: Summary;
  /** As {@link PoolTurnWindow.bytesWrittenPerTurn}: what reached storage, not what was passed to write(). */
  bytesWrittenPerTurn: number | null;
}

const USER_TEXT = (turn: number) => `hello ${turn}, how are you doing today?`;
const ANSWER_TEXT = (turn: number) => `answer ${turn}: fine, thanks for asking about it.`;

/**
 * A model that answers at once, with usage the size of its prompt (15 tokens a message) so that
 * automatic compaction happens as it would with a provider; its own cost does not grow with the
 * prompt beyond reading the prompt's length.
 */
export function instantModel(): LanguageModelV3 {
  let calls = 0;
  const stream = (prompt: unknown[], text: string): ReadableStream<LanguageModelV3StreamPart> => {
    const parts: LanguageModelV3StreamPart[] = [
      { type: 'stream-start', warnings: [] },
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: text },
      { type: 'text-end', id: 't' },
      {
        type: 'finish',
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: {
          inputTokens: { total: prompt.length * 15, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
          outputTokens: { total: 12, text: undefined, reasoning: undefined },
        },
      },
    ];
    return new ReadableStream({
      start(controller) {
        for (const part of parts) controller.enqueue(part);
        controller.close();
      },
    });
  };
  return {
    specificationVersion: 'v3',
    provider: 'bench',
    modelId: 'instant',
    supportedUrls: {},
    // Compaction summaries are generated, not streamed.
    async doGenerate(options) {
      return {
        content: [
          { type: 'text', text: `summary of ${options.prompt.length} messages: they chatted about their day.` },
        ],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: {
          inputTokens: { total: 1000, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
          outputTokens: { total: 20, text: undefined, reasoning: undefined },
        },
        warnings: [],
      };
    },
    async doStream(options) {
      return { stream: stream(options.prompt, ANSWER_TEXT(calls++)) };
    },
  };
}

/** Bytes this process has caused to be sent to storage so far (Linux); null elsewhere. */
function bytesWritten(): number | null {
  try {
    const match = /^write_bytes:\s+(\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * One conversation grows turn by turn through `pool.chat` (the README's path), and the turn cost
 * is sampled in windows of `window` turns once the history reaches each of `lengths` messages.
 * Automatic compaction is on with its defaults and runs on the same instant model: the first one
 * happens at about 5,300 messages, so a window starting at 5,200 holds it.
 */
export async function poolTurns(bench: BenchStore, lengths: number[], window: number): Promise<PoolTurnWindow[]> {
  const model = instantModel();
  const pool = new Pool({ store: bench.store, defaultModel: 'instant', resolveModel: async () => model });
  const { session } = await pool.createSession(null, {});
  const results: PoolTurnWindow[] = [];
  let messages = 0;
  let turn = 0;
  const chat = async () => {
    const result = await (await pool.chat(session.id, USER_TEXT(turn++))).result;
    messages += 2;
    return result;
  };
  for (const length of lengths) {
    while (messages < length) await chat();
    const samples: number[] = [];
    const cpuSamples: number[] = [];
    const cpuBefore = process.cpuUsage();
    const writtenBefore = bytesWritten();
    const seqBefore = (await pool.getSession(session.id)).lastSeq;
    for (let index = 0; index < window; index++) {
      const started = nowMs();
      const cpuStarted = process.cpuUsage();
      await chat();
      samples.push(nowMs() - started);
      const turnCpu = process.cpuUsage(cpuStarted);
      cpuSamples.push((turnCpu.user + turnCpu.system) / 1000);
    }
    const cpu = process.cpuUsage(cpuBefore);
    const writtenAfter = bytesWritten();
    const page = await bench.store.readEvents(session.id, { after: seqBefore, limit: 1000 });
    const compactions = page.events.filter((event) => event.type === 'compaction').length;
    results.push({
      store: bench.name,
      messages: length,
      msPerTurn: summarize(samples),
      maxMs: Math.max(...samples),
      cpuMsPerTurn: (cpu.user + cpu.system) / 1000 / window,
      maxCpuMs: Math.max(...cpuSamples),
      bytesWrittenPerTurn:
        writtenBefore === null || writtenAfter === null ? null : (writtenAfter - writtenBefore) / window,
      compactions,
    });
  }
  await pool.close();
  return results;
}

/** The raw append log: per turn, the user and assistant messages as JSON lines, then one fsync. */
export function rawAppendLog(file: string, turns: number): RawLogWindow {
  const fd = openSync(file, 'a');
  const samples: number[] = [];
  const writtenBefore = bytesWritten();
  try {
    for (let turn = 0; turn < turns; turn++) {
      const started = nowMs();
      const lines =
        `${JSON.stringify({ role: 'user', turn, text: USER_TEXT(turn) })}\n` +
        `${JSON.stringify({ role: 'assistant', turn, text: ANSWER_TEXT(turn) })}\n`;
      writeSync(fd, lines);
      fdatasyncSync(fd);
      samples.push(nowMs() - started);
    }
  } finally {
    closeSync(fd);
  }
  const writtenAfter = bytesWritten();
  const bytesWrittenPerTurn =
    writtenBefore === null || writtenAfter === null ? null : (writtenAfter - writtenBefore) / turns;
  return { msPerTurn: summarize(samples), bytesWrittenPerTurn };
}
