/**
 * Chromium for the dashboard tests: Debian's /usr/bin/chromium driven by playwright-core, headless,
 * with a fresh profile in a temporary folder. A missing Chromium fails the tests (never skips them)
 * with the command that installs it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.TONIC_CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type TestBrowser = { browser: BrowserContext; close(): Promise<void> };

/** A browser with its own temporary profile; `close` removes the profile. */
export async function launchChromium(options: { viewport?: { width: number; height: number } } = {}): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the dashboard tests need Chromium at ${CHROMIUM}, which is missing: install it with ` +
        '`apt-get update && apt-get install -y chromium` (.ci/run does this in CI), or set TONIC_CHROMIUM to its path',
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'tonic-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: options.viewport ?? { width: 1280, height: 900 },
    timeout: 30_000,
  });
  context.setDefaultTimeout(15_000);
  return {
    browser: context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export type { Browser };
