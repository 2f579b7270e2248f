import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type LaunchOptions } from '@playwright/test';

/**
 * The Chromium the e2e tests and the benchmarks drive: a system Chromium when there is one
 * (`CHROMIUM_PATH`, then `/usr/bin/chromium`; Playwright cannot download its own browsers here), else
 * Playwright's managed browser. CI fails, not skips, when neither exists.
 */
export function chromiumExecutablePath(): string | undefined {
  return process.env['CHROMIUM_PATH'] ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
}

/** Launch flags that were needed on these machines (see docs/ARCHITECTURE.md, Tests). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // In a loopback-only network namespace Chromium gathers no ICE candidates without these two (and the
  // camera/microphone permission each browser context is given).
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
];

/** Given to every peer's browser context: in a loopback-only namespace Chromium gathers no ICE candidates without it. */
export const PEER_PERMISSIONS: readonly string[] = ['camera', 'microphone'];

/** Headless launch options for `chromium.launch` outside Playwright Test (the benchmarks). */
export function chromiumLaunchOptions(): LaunchOptions {
  const executablePath = chromiumExecutablePath();
  return { ...(executablePath ? { executablePath } : {}), args: [...CHROMIUM_ARGS], headless: true };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch(chromiumLaunchOptions());
}

/** A browser context of its own per peer (like separate browsers), with the media permission ICE needs. */
export function newPeerContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  return browser.newContext({ baseURL, permissions: [...PEER_PERMISSIONS] });
}
