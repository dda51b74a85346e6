import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's chromium package; `.ci/run` installs it when missing. */
export const CHROMIUM = process.env.TDL_CHROMIUM ?? '/usr/bin/chromium';

export interface OpenBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * A real headless Chromium driven by playwright-core, with a fresh profile of its own and no
 * traffic but the pages it is sent to (no updates, sync, QUIC or background requests).
 */
export async function openChromium(): Promise<OpenBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set TDL_CHROMIUM)`);
  const profile = await mkdtemp(path.join(tmpdir(), 'tdl-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}
