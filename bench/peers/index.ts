import { confabPeer } from './confab.js';
import { langgraphPeer } from './langgraph.js';
import { openaiAgentsSessionPeer } from './openai-agents.js';
import { openaiAgentsRunnerPeer } from './openai-agents-runner.js';
import type { PeerFactory } from './peer.js';

/** The system every ratio is taken against. */
export const CONFAB = 'confab';

/** Systems compared on the cost of persisting a turn and on bytes on disk. */
export const PERSIST_SYSTEMS: PeerFactory[] = [
  confabPeer(),
  confabPeer({ oneAppendPerTurn: true }),
  confabPeer({ throughRunner: true }),
  confabPeer({ throughRunner: true, compacted: true }),
  langgraphPeer({ fsyncEachCommit: true }),
  langgraphPeer({ fsyncEachCommit: false }),
  openaiAgentsSessionPeer,
  openaiAgentsRunnerPeer,
];

/**
 * The persist-cost ratios reported, Confab's side first. Like is set against like: store writes
 * against the Agents session's `addItems`, and the runner (load, model, writes) against the Agents
 * SDK's `runner.run` with a session and LangGraph's `graph.invoke` (load, graph, checkpoints).
 */
export const PERSIST_PAIRS: Array<[confab: string, peer: string]> = [
  ['confab', 'openai-agents-session'],
  ['confab-one-append', 'openai-agents-session'],
  ['confab-runner', 'openai-agents-runner'],
  ['confab-runner-compacted', 'openai-agents-runner'],
  ['confab-runner', 'langgraph'],
  ['confab-runner-compacted', 'langgraph'],
  ['confab-runner', 'langgraph-as-shipped'],
];

/** Systems compared on loading a conversation for its next turn. */
export const LOAD_SYSTEMS: PeerFactory[] = [
  confabPeer(),
  confabPeer({ compacted: true }),
  langgraphPeer({ fsyncEachCommit: true }),
  openaiAgentsSessionPeer,
];

/** Systems compared on bytes on disk: one per storage layout, each fsyncing every commit. */
export const DISK_SYSTEMS: PeerFactory[] = [
  confabPeer(),
  langgraphPeer({ fsyncEachCommit: true }),
  openaiAgentsSessionPeer,
];

/** Systems compared on durable turns/s with many conversations at once: the runtimes, each whole. */
export const CONCURRENT_SYSTEMS: PeerFactory[] = [
  confabPeer({ throughRunner: true }),
  openaiAgentsRunnerPeer,
  langgraphPeer({ fsyncEachCommit: true }),
];
