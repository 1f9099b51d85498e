import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type LaunchOptions } from 'playwright-core';

/**
 * Debian's Chromium, the one browser the browser tests and the Studio bench drive (through
 * `playwright-core`, which downloads nothing): headless, no sandbox (containers have none to
 * give), no GPU, and none of the background traffic a first run makes, so the only requests are
 * the page's own.
 */
export const CHROMIUM = '/usr/bin/chromium';

/** The command-line switches every launch uses (see {@link CHROMIUM}). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Whether Chromium is installed; browser tests skip with {@link chromiumSkipNote} otherwise. */
export const hasChromium = existsSync(CHROMIUM);

/** A describe title's tail that says why it was skipped, or '' when Chromium is there. */
export const chromiumSkipNote = hasChromium ? '' : ` (skipped: ${CHROMIUM} is missing; apt-get install chromium)`;

/** The launch options of {@link CHROMIUM}, with `extra` added. */
export function chromiumLaunchOptions(extra: LaunchOptions = {}): LaunchOptions {
  return { executablePath: CHROMIUM, headless: true, ...extra, args: [...CHROMIUM_ARGS, ...(extra.args ?? [])] };
}

/** Launches headless {@link CHROMIUM}. */
export function launchChromium(extra: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch(chromiumLaunchOptions(extra));
}

/** Launches headless {@link CHROMIUM} with a profile in `userDataDir` (storage that outlives a page). */
export function launchPersistentChromium(
  userDataDir: string,
  options: Parameters<typeof chromium.launchPersistentContext>[1] = {},
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    ...options,
    ...chromiumLaunchOptions({ args: options.args ?? [] }),
  });
}
