import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@confab/sqlite';
import { defineAgent, type NewEvent, PROMPT_EVENT_TYPES, Runner } from 'confab';
import { createEchoModel } from 'confab/testing';
import { turnEvents } from '../lib/stores.js';
import { checkpointedDatabaseBytes, sqliteBytesOnDisk } from './disk.js';
import type { PeerConversation, PeerFactory, PeerSystem } from './peer.js';

/** The load a Runner turn makes for its prompt: `readContext` of the prompt's event types only. */
export const PROMPT_LOADER = 'readContext(prompt)';

/** Events Confab keeps after a compaction in the compacted variant (5 turns, 10 messages). */
const KEPT_AFTER_COMPACTION = 20;

/** How the Confab system under comparison is set up. */
export interface ConfabPeerOptions {
  /** Ends the seeded history with a compaction, so a load reads only its tail. */
  compacted?: boolean;
  /**
   * Writes a turn's four events in one append (one commit), as the storage section does, instead
   * of the runner's two: the lower bound for a store write, to set against the peers' one commit.
   */
  oneAppendPerTurn?: boolean;
  /**
   * Runs each turn through Confab's Runner with the echo model instead of writing the events
   * directly: lease, load, prompt, model, the two appends and snapshot. The counterpart of
   * LangGraph's `graph.invoke` and the Agents SDK's `runner.run`, which likewise include their
   * runtime and their load.
   */
  throughRunner?: boolean;
}

/**
 * Confab's SqliteStore at its default `synchronous=FULL`. A turn is written as the Runner writes it
 * (packages/core/src/runner/new-turn.ts): two durable appends — turn-start with the input, which
 * must be durable before the model is called, then the assistant message with the turn-end and
 * its snapshot — built from the same events as the storage section (`turnEvents`). Leases are left
 * out: the peers have no equivalent.
 */
export function confabPeer(options: ConfabPeerOptions = {}): PeerFactory {
  return async () => {
    const directory = mkdtempSync(join(tmpdir(), 'confab-bench-peer-confab-'));
    const filename = join(directory, 'confab.db');
    const store = new SqliteStore({ filename, synchronous: 'FULL' });
    await store.migrate();
    const runner = options.throughRunner
      ? new Runner({ store, logic: defineAgent({ model: createEchoModel() }) })
      : null;
    const system: PeerSystem = {
      name: nameOf(options),
      durability: 'WAL, synchronous=FULL (store default)',
      fsyncPerCommit: true,
      turnWrites: options.oneAppendPerTurn
        ? '1 append of the same 4 events, no snapshot: 1 commit'
        : options.throughRunner
          ? 'runner.run, echo model: lease acquired; 1 append of turn-start + input (the input queued and consumed in it); readContext; 1 append of the message + turn-end + snapshot that also releases the lease: 3 commits'
          : '2 appends as the runner makes them (turn-start + input queued consumed; message + turn-end + snapshot): 4 events, 2 commits',
      openConversation: (historyMessages) => openConversation(store, runner, historyMessages, options),
      commits: () => store.stats.commits,
      bytesOnDisk: () => sqliteBytesOnDisk(filename),
      checkpointedBytes: () => checkpointedDatabaseBytes(filename),
      dispose: async () => {
        await runner?.close();
        await store.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
    return system;
  };
}

function nameOf(options: ConfabPeerOptions): string {
  return `confab${options.throughRunner ? '-runner' : ''}${options.oneAppendPerTurn ? '-one-append' : ''}${options.compacted ? '-compacted' : ''}`;
}

async function openConversation(
  store: SqliteStore,
  runner: Runner | null,
  historyMessages: number,
  options: ConfabPeerOptions,
): Promise<PeerConversation> {
  const { session } = await store.createSession({ appId: 'bench' });
  const sessionId = session.id;
  // One turn holds one user and one assistant message, in four events.
  const historyEvents = Math.ceil(historyMessages / 2) * 4;
  for (let written = 0; written < historyEvents; written += 1000) {
    const count = Math.min(1000, historyEvents - written);
    const events = Array.from(
      { length: count },
      (_, index) => turnEvents(1 + Math.floor((written + index) / 4))[(written + index) % 4] as NewEvent,
    );
    // The runner numbers its next turn from the session's turn count.
    const update = written + count === historyEvents ? { turnCount: historyEvents / 4 } : undefined;
    await store.appendEvents({ sessionId, events, update });
  }
  if (options.compacted && historyEvents > KEPT_AFTER_COMPACTION) {
    await store.appendEvents({
      sessionId,
      events: [
        {
          type: 'compaction',
          turn: historyEvents / 4,
          data: { summary: 'the story so far', throughSeq: historyEvents - KEPT_AFTER_COMPACTION },
        },
      ],
    });
  }
  const firstTurn = historyEvents / 4 + 1;
  return {
    persistTurn: async (turn) => {
      const index = firstTurn + turn;
      if (runner) {
        await runner.run(sessionId, 'hello there, how are you doing today?').result;
        return;
      }
      if (options.oneAppendPerTurn) {
        await store.appendEvents({ sessionId, events: turnEvents(index), update: { turnCount: index } });
        return;
      }
      const [input, turnStart, message, turnEnd] = turnEvents(index) as [NewEvent, NewEvent, NewEvent, NewEvent];
      // As the runner writes a turn: its start with the input (queued consumed) durable before the
      // model is called, then the reply with the turn end and its snapshot.
      const inputData = input.data as { inputId: string; text: string };
      await store.appendFolded({
        sessionId,
        events: [turnStart, input],
        newInputs: [{ id: inputData.inputId, text: inputData.text }],
        update: { turnCount: index },
      });
      await store.appendFolded({
        sessionId,
        events: [message, turnEnd],
        snapshot: { id: `snap_${sessionId}_${index}` },
      });
    },
    loaders: {
      readContext: async () => (await store.readContext(sessionId)).events.length,
      // What a Runner turn loads for its prompt (turn-engine.ts): inputs, messages, tool calls and results.
      [PROMPT_LOADER]: async () => (await store.readContext(sessionId, { types: PROMPT_EVENT_TYPES })).events.length,
    },
  };
}
