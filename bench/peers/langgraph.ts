/**
 * LangGraph.js with its SQLite checkpointer, driven as its persistence docs describe a chat with
 * memory: a `MessagesAnnotation` graph compiled with a checkpointer and invoked once per turn with
 * the conversation's `thread_id`; the thread's state is read back with `graph.getState` or the
 * checkpointer's `getTuple`. Followed: "Persistence" (docs.langchain.com/oss/javascript/persistence,
 * threads and checkpoints) and the @langchain/langgraph-checkpoint-sqlite README (SqliteSaver on a
 * file). The graph's one node appends a fixed assistant reply, so no model is involved.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AIMessage, type BaseMessage, HumanMessage } from '@langchain/core/messages';
import type { RunnableConfig } from '@langchain/core/runnables';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import type { Checkpoint, CheckpointMetadata, PendingWrite } from '@langchain/langgraph-checkpoint';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import Database from 'better-sqlite3';
import { checkpointedDatabaseBytes, sqliteBytesOnDisk, synchronousMode } from './disk.js';
import type { PeerConversation, PeerFactory, PeerSystem } from './peer.js';

const TEXT = 'hello there, how are you doing today?';

/** Counts the checkpointer's commits: `put` is one autocommit insert, `putWrites` one transaction. */
class CountingSqliteSaver extends SqliteSaver {
  commits = 0;

  override async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata) {
    this.commits++;
    return super.put(config, checkpoint, metadata);
  }

  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string) {
    this.commits++;
    return super.putWrites(config, writes, taskId);
  }
}

function chatGraph(checkpointer: SqliteSaver) {
  return new StateGraph(MessagesAnnotation)
    .addNode('reply', (state) => {
      const last = state.messages.at(-1);
      const turn = String(last?.id ?? '').replace('in_', '');
      return { messages: [new AIMessage({ id: `msg_${turn}`, content: `echo: ${TEXT}` })] };
    })
    .addEdge(START, 'reply')
    .addEdge('reply', END)
    .compile({ checkpointer });
}

/** How the LangGraph system under comparison is set up. */
export interface LanggraphPeerOptions {
  /**
   * Raise `synchronous` to FULL after the saver's setup, for the same durability as Confab. Without
   * it the saver runs as shipped: it turns on WAL and leaves `synchronous` alone, and SQLite (as
   * better-sqlite3 builds it) then runs a WAL database at NORMAL, which does not fsync each commit.
   */
  fsyncEachCommit: boolean;
}

/** LangGraph's SqliteSaver on a file (the saver accepts any better-sqlite3 connection, so pragmas can be set). */
export function langgraphPeer(options: LanggraphPeerOptions): PeerFactory {
  return async () => {
    const directory = mkdtempSync(join(tmpdir(), 'confab-bench-peer-langgraph-'));
    const filename = join(directory, 'checkpoints.db');
    const saver = new CountingSqliteSaver(new Database(filename));
    // The first read runs the saver's own setup (WAL) and opens the WAL, which is when SQLite picks
    // its WAL default for `synchronous`; the pragma is read back after that, as it then stays.
    await saver.getTuple({ configurable: { thread_id: 'probe' } });
    if (options.fsyncEachCommit) saver.db.pragma('synchronous = FULL');
    const synchronous = synchronousMode(saver.db);
    const graph = chatGraph(saver);
    const system: PeerSystem = {
      name: options.fsyncEachCommit ? 'langgraph' : 'langgraph-as-shipped',
      durability: `WAL, synchronous=${synchronous} (${options.fsyncEachCommit ? 'set here' : 'library default'})`,
      fsyncPerCommit: synchronous === 'FULL' || synchronous === 'EXTRA',
      turnWrites:
        'graph.invoke: 3 checkpoints (input, after __start__, after the node), each a full copy of the message list, plus 2 batches of pending writes: 5 commits',
      openConversation: (historyMessages) => openConversation(graph, saver, historyMessages),
      commits: () => saver.commits,
      bytesOnDisk: () => sqliteBytesOnDisk(filename),
      checkpointedBytes: () => checkpointedDatabaseBytes(filename),
      dispose: async () => {
        saver.db.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
    return system;
  };
}

let threads = 0;

async function openConversation(
  graph: ReturnType<typeof chatGraph>,
  saver: SqliteSaver,
  historyMessages: number,
): Promise<PeerConversation> {
  const config = { configurable: { thread_id: `thread_${++threads}` } };
  if (historyMessages > 0) {
    // One invoke carries the history in (all but the last message); the node adds the last reply.
    // Seeding turn by turn would store a full copy of the history per turn: hours at 10,000 messages.
    const history: BaseMessage[] = [];
    for (let index = 0; index < historyMessages - 1; index++) {
      const turn = Math.floor(index / 2);
      history.push(
        index % 2 === 0
          ? new HumanMessage({ id: `in_${turn}`, content: TEXT })
          : new AIMessage({ id: `msg_${turn}`, content: `echo: ${TEXT}` }),
      );
    }
    await graph.invoke({ messages: history }, config);
  }
  const firstTurn = Math.ceil(historyMessages / 2);
  return {
    persistTurn: async (turn) => {
      await graph.invoke({ messages: [new HumanMessage({ id: `in_${firstTurn + turn}`, content: TEXT })] }, config);
    },
    loaders: {
      getTuple: async () => {
        const tuple = await saver.getTuple(config);
        return (tuple?.checkpoint.channel_values.messages as unknown[] | undefined)?.length ?? 0;
      },
      getState: async () => ((await graph.getState(config)).values as { messages: unknown[] }).messages.length,
    },
  };
}
