import type { LanguageModelV3 } from '@ai-sdk/provider';
import { type ModelResolver, Pool, type SessionEvent } from 'confab';
import { createScriptedModel, scriptedText } from 'confab/testing';
import { describe, expect, it } from 'vitest';
import { usePoolFixture } from '../support/pool-fixture.js';
import { eventually, readLog } from '../support/sqlite-fixture.js';

const context = usePoolFixture();

/** A summary model that answers only once `open()` is called, counting the calls it got. */
function gatedSummarizer(summary: string) {
  const inner = createScriptedModel(() => scriptedText(summary));
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let calls = 0;
  const model: LanguageModelV3 = {
    ...inner,
    async doGenerate(options) {
      calls++;
      await gate;
      return inner.doGenerate(options);
    },
  };
  return { model, open, calls: () => calls };
}

/** A resolver that answers every model name with `model` and passes model objects through. */
const byName =
  (model: LanguageModelV3): ModelResolver =>
  async (reference) =>
    typeof reference === 'string' ? model : reference;

const compactions = (log: SessionEvent[]) => log.filter((event) => event.type === 'compaction');
const text = (turn: number) => `message number ${turn} `.repeat(10);

describe('pool: automatic compaction off the turn path', () => {
  it('turns go on while the summary is prepared; the next turn after it builds its prompt on the summary', async () => {
    const summarizer = gatedSummarizer('SUMMARY of the early turns');
    const model = createScriptedModel(() => scriptedText('ok'));
    context.pool = new Pool({
      store: context.fixture.store,
      resolveModel: byName(model),
      compaction: { maxTokens: 120, keepTail: 2, fastModel: summarizer.model },
    });
    const { session } = await context.pool.createSession(null);
    // Past the limit the summary model is called, and it does not answer yet: turns still finish.
    for (let turn = 0; turn < 5; turn++) {
      expect((await (await context.pool.chat(session.id, text(turn))).result).stopReason).toBe('stop');
    }
    expect(summarizer.calls()).toBe(1);
    expect(compactions(await readLog(context.fixture.store, session.id))).toEqual([]);
    summarizer.open();
    // Written by a job of its own once ready, without waiting for another turn.
    await eventually(async () => compactions(await readLog(context.fixture.store, session.id)).length === 1);
    await (await context.pool.chat(session.id, 'and now?')).result;
    const prompt = model.calls.at(-1)?.prompt ?? [];
    expect(JSON.stringify(prompt[0])).toContain('SUMMARY of the early turns');
    // The summary covers only what was there when it was prepared: the later turns stay verbatim.
    const [compaction] = compactions(await readLog(context.fixture.store, session.id));
    expect(JSON.stringify(prompt)).toContain(text(4).trim());
    const throughSeq = compaction?.type === 'compaction' ? compaction.data.throughSeq : Number.NaN;
    expect(throughSeq).toBeLessThan(compaction?.seq ?? 0);
  });

  it('a context far past the limit waits for its summary before the turn', async () => {
    const summarizer = createScriptedModel(() => scriptedText('SUMMARY before the turn'));
    const model = createScriptedModel(() => scriptedText('ok'));
    // Grown without automatic compaction, then served by a pool that compacts at a tenth of it.
    const grower = new Pool({
      store: context.fixture.store,
      resolveModel: byName(model),
      compaction: { maxTokens: -1 },
    });
    const { session } = await grower.createSession(null);
    for (let turn = 0; turn < 8; turn++) await (await grower.chat(session.id, text(turn))).result;
    await grower.close();
    context.pool = new Pool({
      store: context.fixture.store,
      resolveModel: byName(model),
      compaction: { maxTokens: 60, keepTail: 2, fastModel: summarizer },
    });
    await (await context.pool.chat(session.id, 'and now?')).result;
    expect(JSON.stringify(model.calls.at(-1)?.prompt[0])).toContain('SUMMARY before the turn');
  });

  it('drops a summary prepared while another compaction was written', async () => {
    const summarizer = gatedSummarizer('SUMMARY that came too late');
    const model = createScriptedModel(() => scriptedText('ok'));
    const manual = createScriptedModel(() => scriptedText('manual summary'));
    context.pool = new Pool({
      store: context.fixture.store,
      resolveModel: byName(model),
      compaction: { maxTokens: 120, keepTail: 2, fastModel: summarizer.model },
    });
    const { session } = await context.pool.createSession(null);
    for (let turn = 0; turn < 5; turn++) await (await context.pool.chat(session.id, text(turn))).result;
    expect(summarizer.calls()).toBe(1);
    // Another pool (another process, say) compacts meanwhile.
    const other = new Pool({
      store: context.fixture.store,
      compaction: { maxTokens: -1, keepTail: 2, fastModel: manual },
    });
    expect(await other.compactSession(session.id)).toMatchObject({ compacted: true, summary: 'manual summary' });
    await other.close();
    summarizer.open();
    await context.pool.runner.session(session.id).idle();
    await (await context.pool.chat(session.id, 'and now?')).result;
    const written = compactions(await readLog(context.fixture.store, session.id));
    expect(written.map((event) => (event.data as { summary: string }).summary)).toEqual(['manual summary']);
    expect(JSON.stringify(model.calls.at(-1)?.prompt[0])).toContain('manual summary');
  });
});
