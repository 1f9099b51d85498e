import {
  Agent,
  type AgentInputItem,
  type Model,
  type ModelRequest,
  type ModelResponse,
  Runner,
  Usage,
} from '@openai/agents-core';
import { synchronousMode } from './disk.js';
import { agentTurnItems, openAgentsDatabase, SqliteAgentSession } from './openai-agents.js';
import type { PeerConversation, PeerFactory, PeerSystem } from './peer.js';

const TEXT = 'hello there, how are you doing today?';

/** A model that answers every request with one fixed assistant message, as Confab's echo does. */
class FixedReplyModel implements Model {
  private replies = 0;

  async getResponse(_request: ModelRequest): Promise<ModelResponse> {
    this.replies++;
    return {
      usage: new Usage(),
      output: [
        {
          type: 'message',
          role: 'assistant',
          id: `msg_reply_${this.replies}`,
          status: 'completed',
          content: [{ type: 'output_text', text: `echo: ${TEXT}` }],
        },
      ],
    };
  }

  // biome-ignore lint/correctness/useYield: the benchmark runs only non-streamed turns.
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error('the benchmark runs non-streamed turns only');
  }
}

/** Counts `addItems` calls: each is one transaction, one commit. */
class CountingSession extends SqliteAgentSession {
  static commits = 0;

  override async addItems(items: AgentInputItem[]): Promise<void> {
    if (items.length > 0) CountingSession.commits++;
    await super.addItems(items);
  }
}

let sessions = 0;

/** The Agents SDK runner with a fixed-reply model over a WAL, `synchronous=FULL` SQLite session. */
export const openaiAgentsRunnerPeer: PeerFactory = async () => {
  const { database, files } = openAgentsDatabase('confab-bench-peer-agents-runner-');
  const agent = new Agent({ name: 'bench', instructions: 'Answer briefly.', model: new FixedReplyModel() });
  // Tracing would export spans over the network; a user benchmarking locally turns it off too.
  const runner = new Runner({ tracingDisabled: true });
  const startCommits = CountingSession.commits;
  const system: PeerSystem = {
    name: 'openai-agents-runner',
    durability: `WAL, synchronous=${synchronousMode(database)} (set here)`,
    fsyncPerCommit: synchronousMode(database) === 'FULL',
    turnWrites:
      'runner.run(agent, text, { session }), fixed-reply model: getItems() of the whole history, then addItems([user, assistant]): 1 commit',
    openConversation: async (historyMessages): Promise<PeerConversation> => {
      const session = new CountingSession(database, `session_${++sessions}`);
      const history: AgentInputItem[] = [];
      for (let turn = 0; history.length < historyMessages; turn++) history.push(...agentTurnItems(turn));
      await session.addItems(history.slice(0, historyMessages));
      return {
        persistTurn: async () => {
          await runner.run(agent, TEXT, { session });
        },
        loaders: { getItems: async () => (await session.getItems()).length },
      };
    },
    commits: () => CountingSession.commits - startCommits,
    ...files,
  };
  return system;
};
