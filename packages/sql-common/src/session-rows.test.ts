import type { SessionRecord } from 'confab';
import { buildSessionRecord } from 'confab/store';
import { describe, expect, it } from 'vitest';
import { sessionBodyOf, sessionColumnsOf, sessionFromColumns } from './session-rows.js';

const record: SessionRecord = {
  ...buildSessionRecord(
    { appId: 'app', clientSessionId: 'client-1', channel: 'room', meta: { plan: 'pro' } },
    '2026-01-01T00:00:00.000Z',
  ),
  status: 'archived',
  closedAt: null,
  pendingInterrupt: true,
  inheritsFrom: { sessionId: 'ses_parent', seq: 7 },
  runtime: { turn: null, lastInputTokens: 42 },
};

describe('session rows', () => {
  it('a record split into columns and body comes back whole, in the port field order', () => {
    const columns = sessionColumnsOf(record);
    const body = JSON.parse(JSON.stringify(sessionBodyOf(record)));
    const back = sessionFromColumns(columns, body);
    expect(back).toEqual(record);
    expect(Object.keys(back)).toEqual(Object.keys(record));
  });

  it('filtered and sorted fields are columns, and only they', () => {
    const columns = sessionColumnsOf(record);
    expect(columns).toEqual({
      id: record.id,
      app_id: 'app',
      client_session_id: 'client-1',
      channel: 'room',
      status: 'archived',
      last_activity_at: record.lastActivityAt,
      closed_at: null,
      pending_interrupt: true,
      inherits_from_session_id: 'ses_parent',
      inherits_from_seq: 7,
    });
    const body = sessionBodyOf(record);
    for (const column of ['id', 'appId', 'status', 'lastActivityAt', 'pendingInterrupt', 'inheritsFrom']) {
      expect(body).not.toHaveProperty(column);
    }
    expect(body).toMatchObject({ meta: { plan: 'pro' }, runtime: { lastInputTokens: 42 } });
  });

  it('a root session has no inheritance', () => {
    const root = { ...record, inheritsFrom: null };
    expect(sessionFromColumns(sessionColumnsOf(root), sessionBodyOf(root)).inheritsFrom).toBeNull();
  });
});
