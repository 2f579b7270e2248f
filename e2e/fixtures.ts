import { test as base, expect, type Browser, type Page } from '@playwright/test';
import type { SwarmTestHook, SwarmTestState } from '../apps/web/src/lib/test-hook-types';

export type PeerState = SwarmTestState;

/** Opens a page in a browser context of its own: one page per peer, like separate browsers. */
export interface Swarm {
  openPeer(url?: string): Promise<Page>;
  /** Starts a seeder on a generated file of `sizeMib` and returns its page and share link. */
  seedGenerated(sizeMib: number): Promise<{ page: Page; link: string }>;
}

export const test = base.extend<{ swarm: Swarm }>({
  swarm: async ({ browser }, use) => {
    const contexts: Awaited<ReturnType<Browser['newContext']>>[] = [];
    const swarm: Swarm = {
      async openPeer(url = '/') {
        const context = await browser.newContext();
        contexts.push(context);
        const page = await context.newPage();
        page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
        page.on('console', (message) => {
          if (message.type() === 'warning' || message.type() === 'error')
            console.error(`[page ${message.type()}] ${message.text()}`);
        });
        await page.goto(url);
        return page;
      },
      async seedGenerated(sizeMib) {
        const page = await swarm.openPeer('/');
        await page.getByTestId('size-mib').fill(String(sizeMib));
        await page.getByTestId('generate').click();
        const share = page.getByTestId('share-link');
        await expect(share).toHaveValue(/#\/swarm\//);
        return { page, link: await share.inputValue() };
      },
    };
    await use(swarm);
    for (const context of contexts) await context.close().catch(() => {});
  },
});

export { expect };

export function peerState(page: Page): Promise<PeerState> {
  return page.evaluate(() => (window as unknown as { __swarm: SwarmTestHook }).__swarm.state());
}

/** Waits until the page holds the whole file and has hashed it; returns its state. */
export async function waitForComplete(page: Page, timeoutMs = 120_000): Promise<PeerState> {
  await expect
    .poll(
      async () => {
        const state = await peerState(page);
        return state.complete && state.fileSha256 !== undefined;
      },
      { timeout: timeoutMs, intervals: [250] },
    )
    .toBe(true);
  return peerState(page);
}

/** ORs bitfields given as hex. */
export function unionHex(hexes: readonly string[]): string {
  const length = Math.max(...hexes.map((hex) => hex.length));
  let out = '';
  for (let i = 0; i < length; i += 2) {
    let byte = 0;
    for (const hex of hexes) byte |= Number.parseInt(hex.slice(i, i + 2) || '0', 16);
    out += byte.toString(16).padStart(2, '0');
  }
  return out;
}

/** Number of chunks set in a hex bitfield. */
export function countBits(hex: string): number {
  let count = 0;
  for (let i = 0; i < hex.length; i += 2) {
    let byte = Number.parseInt(hex.slice(i, i + 2), 16);
    while (byte) {
      count += byte & 1;
      byte >>= 1;
    }
  }
  return count;
}
