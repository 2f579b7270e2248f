import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type LaunchOptions } from '@playwright/test';

/**
 * The browser the benchmarks drive, chosen and flagged as in `playwright.config.ts`: a system Chromium
 * when there is one (`CHROMIUM_PATH`, then `/usr/bin/chromium`; Playwright cannot download its own here),
 * else Playwright's managed browser.
 */
export function chromiumExecutablePath(): string | undefined {
  return process.env['CHROMIUM_PATH'] ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
}

/** Launch flags that were needed here (see /work/shared/TESTING.md and `playwright.config.ts`). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // In a loopback-only network namespace Chromium gathers no ICE candidates without these two
  // (and the media permission each context is given below).
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
];

export function chromiumLaunchOptions(): LaunchOptions {
  const executablePath = chromiumExecutablePath();
  return { ...(executablePath ? { executablePath } : {}), args: [...CHROMIUM_ARGS], headless: true };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch(chromiumLaunchOptions());
}

/** A browser context of its own per peer (like separate browsers), with the media permission ICE needs. */
export function newPeerContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  return browser.newContext({ baseURL, permissions: ['camera', 'microphone'] });
}
