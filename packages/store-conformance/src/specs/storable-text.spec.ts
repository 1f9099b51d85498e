import type { SessionStore } from 'confab/store';
import { describe, expect } from 'vitest';
import { APP_A, conformanceTest, createSession, expectCode, lease, readAll, testId } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** The texts no store can keep: PostgreSQL refuses NUL; a lone surrogate has no UTF-8 form. */
const BAD_TEXTS = { nul: 'q\u0000', 'high surrogate': '\ud800 hi', 'low surrogate': 'x\udc00' } as const;

/** Unusual but well-formed text that every store must keep exactly. */
const ODD_GOOD_TEXT = 'emoji 😀 pair, \u0001 control, literal \\u0000 and \\ud800, \ufffd \uffff, ñ, 中文';

/**
 * Text the databases refuse is refused the same way by every store (`invalid_argument`, nothing
 * written, the session still works), so no store accepts an input it cannot process later; and
 * unusual well-formed text round-trips everywhere.
 */
export function storableTextSpec(context: ConformanceContext): void {
  describe('text every store keeps', () => {
    for (const [kind, bad] of Object.entries(BAD_TEXTS)) {
      conformanceTest(context, `a session with ${kind} text anywhere is refused and not created`, async () => {
        const store = context.store;
        const attempts: Parameters<SessionStore['createSession']>[0][] = [
          { appId: APP_A, title: bad },
          { appId: APP_A, clientSessionId: bad },
          { appId: APP_A, channel: bad },
          { appId: APP_A, agent: bad },
          { appId: APP_A, meta: { note: bad } },
          { appId: APP_A, meta: { [bad]: 1 } },
          { appId: APP_A, state: { deep: [{ list: ['ok', bad] }] } },
          { appId: APP_A, tools: [{ name: bad, inputSchema: { type: 'object' } }] },
          { appId: APP_A, tools: [{ name: 'lookup', inputSchema: { type: 'object', description: bad } }] },
        ];
        for (const attempt of attempts) await expectCode(store.createSession(attempt), 'invalid_argument');
        await expectCode(store.resolveChannel(APP_A, bad), 'invalid_argument');
        await expectCode(store.rotateChannel(APP_A, bad), 'invalid_argument');
        await expectCode(store.resolveChannel(APP_A, 'room', { title: bad }), 'invalid_argument');
        expect((await store.listSessions({ appId: APP_A, status: 'all' })).sessions).toEqual([]);
      });

      conformanceTest(context, `a session update with ${kind} text is refused and changes nothing`, async () => {
        const store = context.store;
        const session = await createSession(store, APP_A, { title: 'before', meta: { kept: true } });
        await expectCode(store.updateSession(session.id, { title: bad }), 'invalid_argument');
        await expectCode(store.updateSession(session.id, { meta: { [bad]: 'x' } }), 'invalid_argument');
        await expectCode(store.updateSession(session.id, { state: { text: bad } }), 'invalid_argument');
        expect(await store.getSession(session.id)).toEqual(session);
        await expectCode(store.forkSession({ sessionId: session.id, appId: APP_A, title: bad }), 'invalid_argument');
      });

      conformanceTest(context, `an input with ${kind} text is refused and the session keeps working`, async () => {
        const store = context.store;
        const session = await createSession(store);
        await expectCode(store.enqueueInput(session.id, { text: bad }), 'invalid_argument');
        await expectCode(store.enqueueInput(session.id, { text: 'ok', idempotencyKey: bad }), 'invalid_argument');
        await expectCode(store.enqueueInput(session.id, { text: 'ok', files: [bad] }), 'invalid_argument');
        expect(await store.countPendingInputs(session.id)).toBe(0);
        // The session is not jammed: a good input goes through claim and consumption.
        const { input } = await store.enqueueInput(session.id, { text: 'fine' });
        const claimed = await store.claimInputs(session.id, { max: 10, claimToken: 'claim-1' });
        expect(claimed.map((entry) => entry.id)).toEqual([input.id]);
        const held = await lease(store, session.id);
        await store.appendEvents({
          sessionId: session.id,
          lease: held,
          events: [{ type: 'input', turn: 1, data: { inputId: input.id, text: 'fine' } }],
          consumeInputIds: [input.id],
        });
        expect(await store.getInput(session.id, input.id)).toMatchObject({ status: 'consumed' });
      });

      conformanceTest(context, `an append with ${kind} text is refused and writes nothing`, async () => {
        const store = context.store;
        const session = await createSession(store);
        const held = await lease(store, session.id);
        const message = (text: string) => ({
          type: 'message' as const,
          turn: 1,
          data: { messageId: testId('msg'), role: 'assistant' as const, text },
        });
        await expectCode(
          store.appendEvents({ sessionId: session.id, lease: held, events: [message('ok'), message(bad)] }),
          'invalid_argument',
        );
        await expectCode(
          store.appendEvents({
            sessionId: session.id,
            lease: held,
            events: [
              {
                type: 'tool-result',
                turn: 1,
                data: { toolCallId: 'call_1', toolName: 'x', output: { [bad]: 1 }, isError: false },
              },
            ],
          }),
          'invalid_argument',
        );
        await expectCode(
          store.appendEvents({
            sessionId: session.id,
            lease: held,
            events: [message('ok')],
            update: { state: { note: bad } },
          }),
          'invalid_argument',
        );
        await expectCode(
          store.appendFolded({
            sessionId: session.id,
            lease: held,
            events: [{ type: 'input', turn: 1, data: { inputId: 'in_bad', text: 'ok' } }],
            newInputs: [{ id: 'in_bad', text: bad }],
          }),
          'invalid_argument',
        );
        expect(await readAll(store, session.id)).toEqual([]);
        expect((await store.getSession(session.id))?.lastSeq).toBe(0);
        expect(
          (await store.appendEvents({ sessionId: session.id, lease: held, events: [message('ok')] })).events,
        ).toHaveLength(1);
      });

      conformanceTest(context, `an app, token or file with ${kind} text is refused`, async () => {
        const store = context.store;
        await expectCode(store.createApp({ id: testId('app'), name: bad }), 'invalid_argument');
        await store.createApp({ id: APP_A, name: 'Alpha' });
        await expectCode(
          store.createToken({ id: testId('tok'), appId: APP_A, tokenHash: 'd'.repeat(64), label: bad }),
          'invalid_argument',
        );
        expect(await store.listTokens(APP_A)).toEqual([]);
        const token = testId('file');
        await expectCode(
          store.putFile({
            token,
            appId: APP_A,
            name: bad,
            mediaType: 'text/plain',
            data: new Uint8Array([1]),
            expiresAt: new Date(Date.now() + 60_000).toISOString(),
          }),
          'invalid_argument',
        );
        expect(await store.getFile(APP_A, token)).toBeNull();
      });
    }

    conformanceTest(context, 'unusual well-formed text round-trips exactly through every record', async () => {
      const store = context.store;
      const session = await createSession(store, APP_A, {
        title: ODD_GOOD_TEXT,
        clientSessionId: ODD_GOOD_TEXT,
        channel: ODD_GOOD_TEXT,
        meta: { [ODD_GOOD_TEXT]: ODD_GOOD_TEXT },
        state: { list: [ODD_GOOD_TEXT] },
      });
      const read = await store.getSession(session.id);
      expect(read).toMatchObject({
        title: ODD_GOOD_TEXT,
        clientSessionId: ODD_GOOD_TEXT,
        channel: ODD_GOOD_TEXT,
        meta: { [ODD_GOOD_TEXT]: ODD_GOOD_TEXT },
        state: { list: [ODD_GOOD_TEXT] },
      });
      const { input } = await store.enqueueInput(session.id, { text: ODD_GOOD_TEXT, idempotencyKey: ODD_GOOD_TEXT });
      expect((await store.getInput(session.id, input.id))?.text).toBe(ODD_GOOD_TEXT);
      const held = await lease(store, session.id);
      await store.appendEvents({
        sessionId: session.id,
        lease: held,
        events: [{ type: 'message', turn: 1, data: { messageId: 'm1', role: 'assistant', text: ODD_GOOD_TEXT } }],
      });
      const [event] = await readAll(store, session.id);
      expect(event?.data).toMatchObject({ text: ODD_GOOD_TEXT });
    });
  });
}
