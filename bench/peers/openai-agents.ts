/**
 * The OpenAI Agents SDK's `Session` over SQLite. The SDK ships no SQLite session for JavaScript;
 * its Sessions guide (openai.github.io/openai-agents-js/guides/sessions, "custom session") says to
 * implement the `Session` interface over your own storage and points to the sample backends in
 * examples/memory. This follows the SQLite-backed one (examples/memory/sessions/prisma.ts): one row
 * per item with a per-session position, JSON text, `addItems` as one transaction that reads the
 * last position then inserts. The runner calls `getItems()` before a turn and `addItems()` once
 * after it with the user input and the assistant output (agents-core runner/sessionPersistence),
 * which is what a turn does here. Unlike the sample, reads skip its zod validation of every item,
 * which would only make the peer slower.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentInputItem, Session } from '@openai/agents-core';
import Database from 'better-sqlite3';
import { checkpointedDatabaseBytes, sqliteBytesOnDisk, synchronousMode } from './disk.js';
import type { PeerConversation, PeerFactory, PeerSystem } from './peer.js';

const TEXT = 'hello there, how are you doing today?';

/** An Agents SDK session stored in a SQLite database shared by all sessions. */
export class SqliteAgentSession implements Session {
  constructor(
    private readonly database: Database.Database,
    private readonly sessionId: string,
  ) {
    database
      .prepare('INSERT INTO agent_sessions (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING')
      .run(sessionId, new Date().toISOString());
  }

  /** Creates the tables when missing. */
  static migrate(database: Database.Database): void {
    database.exec(`
      CREATE TABLE IF NOT EXISTS agent_sessions (id TEXT PRIMARY KEY, created_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS agent_session_items (
        session_id TEXT NOT NULL REFERENCES agent_sessions (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        item TEXT NOT NULL,
        PRIMARY KEY (session_id, position)
      ) WITHOUT ROWID;`);
  }

  async getSessionId(): Promise<string> {
    return this.sessionId;
  }

  async getItems(limit?: number): Promise<AgentInputItem[]> {
    const rows = (
      limit === undefined
        ? this.database
            .prepare('SELECT item FROM agent_session_items WHERE session_id = ? ORDER BY position')
            .all(this.sessionId)
        : this.database
            .prepare(
              'SELECT item FROM (SELECT item, position FROM agent_session_items WHERE session_id = ? ORDER BY position DESC LIMIT ?) ORDER BY position',
            )
            .all(this.sessionId, Math.max(0, limit))
    ) as Array<{ item: string }>;
    return rows.map((row) => JSON.parse(row.item) as AgentInputItem);
  }

  async addItems(items: AgentInputItem[]): Promise<void> {
    if (items.length === 0) return;
    const last = this.database.prepare(
      'SELECT coalesce(max(position), 0) AS position FROM agent_session_items WHERE session_id = ?',
    );
    const insert = this.database.prepare(
      'INSERT INTO agent_session_items (session_id, position, item) VALUES (?, ?, ?)',
    );
    this.database.transaction(() => {
      let position = (last.get(this.sessionId) as { position: number }).position;
      for (const item of items) insert.run(this.sessionId, ++position, JSON.stringify(item));
    })();
  }

  async popItem(): Promise<AgentInputItem | undefined> {
    const row = this.database
      .prepare(
        'DELETE FROM agent_session_items WHERE session_id = ? AND position = (SELECT max(position) FROM agent_session_items WHERE session_id = ?) RETURNING item',
      )
      .get(this.sessionId, this.sessionId) as { item: string } | undefined;
    return row ? (JSON.parse(row.item) as AgentInputItem) : undefined;
  }

  async clearSession(): Promise<void> {
    this.database.prepare('DELETE FROM agent_session_items WHERE session_id = ?').run(this.sessionId);
  }
}

/** The items the Agents runner persists for one turn: the user input and the assistant's output message. */
export function agentTurnItems(turn: number): AgentInputItem[] {
  return [
    { type: 'message', role: 'user', content: TEXT },
    {
      type: 'message',
      role: 'assistant',
      id: `msg_${turn}`,
      status: 'completed',
      content: [{ type: 'output_text', text: `echo: ${TEXT}` }],
    },
  ];
}

let sessions = 0;

/** A sessions database in a fresh temporary directory, and the parts of a peer that only need its files. */
export interface AgentsDatabase {
  database: Database.Database;
  files: Pick<PeerSystem, 'bytesOnDisk' | 'checkpointedBytes' | 'dispose'>;
}

/** A fresh sessions database in a temporary directory, with the session tables created. */
export function openAgentsDatabase(prefix: string): AgentsDatabase {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  const filename = join(directory, 'sessions.db');
  const database = new Database(filename);
  // The guide leaves pragmas to the implementer; these match Confab's so durability is equal.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  SqliteAgentSession.migrate(database);
  return {
    database,
    files: {
      bytesOnDisk: () => sqliteBytesOnDisk(filename),
      checkpointedBytes: () => checkpointedDatabaseBytes(filename),
      dispose: async () => {
        database.close();
        rmSync(directory, { recursive: true, force: true });
      },
    },
  };
}

/** A file database with WAL and `synchronous=FULL`, the same durability as Confab's default. */
export const openaiAgentsSessionPeer: PeerFactory = async () => {
  const { database, files } = openAgentsDatabase('confab-bench-peer-agents-');
  let commits = 0;
  const system: PeerSystem = {
    name: 'openai-agents-session',
    durability: `WAL, synchronous=${synchronousMode(database)} (set here)`,
    fsyncPerCommit: synchronousMode(database) === 'FULL',
    turnWrites: 'session.addItems([user, assistant]): 2 rows in 1 transaction, 1 commit',
    openConversation: async (historyMessages): Promise<PeerConversation> => {
      const session = new SqliteAgentSession(database, `session_${++sessions}`);
      const history: AgentInputItem[] = [];
      for (let turn = 0; history.length < historyMessages; turn++) history.push(...agentTurnItems(turn));
      await session.addItems(history.slice(0, historyMessages));
      const firstTurn = Math.ceil(historyMessages / 2);
      return {
        persistTurn: async (turn) => {
          commits++;
          await session.addItems(agentTurnItems(firstTurn + turn));
        },
        loaders: { getItems: async () => (await session.getItems()).length },
      };
    },
    commits: () => commits,
    ...files,
  };
  return system;
};
