import { chromium, type Browser, type BrowserContext, type LaunchOptions } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumExecutablePath } from '@swarmlab/e2e/chromium';

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
