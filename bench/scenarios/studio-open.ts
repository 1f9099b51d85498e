import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { serve } from '@confab/server';
import { newId, newSecret, sha256Hex } from 'confab';
import { launchChromium } from '../../tests/support/chromium.js';
import { nowMs, type Summary, summarize } from '../lib/stats.js';
import type { BenchStore } from '../lib/stores.js';

/** Debian's Chromium, which the Studio benchmark drives. */
export { CHROMIUM } from '../../tests/support/chromium.js';

/** Opening and scrolling a long session in the Studio (DESIGN §10: a 10,000-event session opens and scrolls smoothly). */
export interface StudioOpenResult {
  events: number;
  /** From navigation to every event replayed and rendered (the page's event count reaching `events`). */
  openMs: Summary;
  /** From pressing Home in the timeline to the first turn's message being in the page. */
  scrollToStartMs: Summary;
  /** Timeline rows in the page at the end (virtualized: independent of `events`). */
  rowsInPage: number;
}

/**
 * Writes a session of `events` events (4 a turn) into the store, serves the committed Studio build
 * with the real server, and measures in headless Chromium how long the page takes to open it and
 * to scroll from its end to its start, `repeats` times each.
 */
export async function studioOpen(bench: BenchStore, events: number, repeats: number): Promise<StudioOpenResult> {
  const { store } = bench;
  const token = newSecret();
  await store.createApp({ id: 'bench', name: 'bench' });
  await store.createToken({ id: newId('tok'), appId: 'bench', tokenHash: await sha256Hex(token) });
  const { session } = await store.createSession({ appId: 'bench' });
  const turns = Math.ceil(events / 4);
  for (let first = 1; first <= turns; first += 250) {
    const batch = [];
    for (let turn = first; turn < Math.min(first + 250, turns + 1); turn++) {
      const inputIds = [`in_${turn}`];
      batch.push(
        { type: 'turn-start', turn, data: { inputIds, inputCount: 1, model: 'echo' } },
        { type: 'input', turn, data: { inputId: `in_${turn}`, text: `question ${turn}` } },
        {
          type: 'message',
          turn,
          data: { messageId: `msg_${turn}`, role: 'assistant', text: `echo: question ${turn}` },
        },
        {
          type: 'turn-end',
          turn,
          data: { snapshotId: null, inputCount: 1, inputIds, stopReason: 'stop', usage: null, durationMs: 5 },
        },
      );
    }
    await store.appendEvents({ sessionId: session.id, events: batch as never });
  }
  const directory = join(dirname(createRequire(import.meta.url).resolve('@confab/studio/package.json')), 'dist');
  const running = await serve({ store, port: 0, logger: false, metrics: false, studio: { directory } });
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 820 } });
    await context.addInitScript((value) => sessionStorage.setItem('confab-studio-token', value), token);
    const page = await context.newPage();
    const openMs: number[] = [];
    const scrollMs: number[] = [];
    let rowsInPage = 0;
    for (let repeat = 0; repeat < repeats; repeat++) {
      // A fresh document each time (the same URL again would only be a same-page hash navigation).
      await page.goto('about:blank');
      const started = nowMs();
      await page.goto(`${running.url}/studio/#/sessions/${session.id}`);
      await page.waitForFunction(
        (count) => document.querySelector('[data-testid=event-count]')?.textContent === String(count),
        turns * 4,
        { timeout: 120_000, polling: 'raf' },
      );
      await page.getByText(`echo: question ${turns}`, { exact: true }).waitFor();
      openMs.push(nowMs() - started);
      await page.getByTestId('timeline').focus();
      const scrollStarted = nowMs();
      await page.keyboard.press('Home');
      await page.getByText('echo: question 1', { exact: true }).waitFor();
      scrollMs.push(nowMs() - scrollStarted);
      rowsInPage = await page.locator('.timeline-slot').count();
    }
    return { events: turns * 4, openMs: summarize(openMs), scrollToStartMs: summarize(scrollMs), rowsInPage };
  } finally {
    await browser.close();
    await running.close({ deadlineMs: 1000 });
  }
}
