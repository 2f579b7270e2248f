import { test as base, expect, type Browser, type Page } from '@playwright/test';
import type { SwarmMode } from '@swarmlab/protocol';
import type { SwarmTestHook, SwarmTestState } from '@swarmlab/web/test-hook-types';

export type PeerState = SwarmTestState;

/** Opens a page in a browser context of its own: one page per peer, like separate browsers. */
export interface Swarm {
  openPeer(url?: string): Promise<Page>;
  /**
   * Starts a seeder on a generated file of `sizeMib` and returns its page and share link; `query`
   * (e.g. `?mode=client-server&server-up=2MB/s`) prepares the swarm's run settings.
   */
  seedGenerated(sizeMib: number, query?: string): Promise<{ page: Page; link: string }>;
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
      async seedGenerated(sizeMib, query = '') {
        const page = await swarm.openPeer(`/${query}`);
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

/** The runs the page's browser keeps, as its JSON export. */
export function exportJson(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { __swarm: SwarmTestHook }).__swarm.exportJson());
}

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

/** Waits until the page has hashed its whole file (a seeder does so before any run); returns the hash. */
export async function waitForFileHash(page: Page, timeoutMs = 60_000): Promise<string> {
  await expect
    .poll(async () => (await peerState(page)).fileSha256, { timeout: timeoutMs, intervals: [100] })
    .toMatch(/^[0-9a-f]{64}$/);
  return (await peerState(page)).fileSha256!;
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

/** Waits until every page is in the swarm with a WebRTC connection to each of the others. */
export async function waitForMesh(pages: readonly Page[], timeoutMs = 60_000): Promise<void> {
  for (const page of pages) {
    await expect
      .poll(async () => (await peerState(page)).connectedPeers, { timeout: timeoutMs, intervals: [100] })
      .toBe(pages.length - 1);
  }
}

export interface RunSettingsInput {
  mode?: SwarmMode;
  serverUp?: string;
  peerUp?: string;
  peerDown?: string;
  selfish?: boolean;
}

/** Fills the run form on `page` (only the fields given) and starts a run for the whole swarm. */
export async function startRun(page: Page, settings: RunSettingsInput = {}): Promise<void> {
  if (settings.mode) await page.getByTestId(`mode-${settings.mode}`).check();
  if (settings.serverUp !== undefined) await page.getByTestId('cap-server-up').fill(settings.serverUp);
  if (settings.peerUp !== undefined) await page.getByTestId('cap-peer-up').fill(settings.peerUp);
  if (settings.peerDown !== undefined) await page.getByTestId('cap-peer-down').fill(settings.peerDown);
  if (settings.selfish !== undefined) await page.getByTestId('selfish').setChecked(settings.selfish);
  const before = (await peerState(page)).run?.runNumber ?? 0;
  await page.getByTestId('start-run').click();
  await expect.poll(async () => (await peerState(page)).run?.runNumber ?? 0).toBe(before + 1);
}

/** Waits until the swarm's latest run has finished; returns the page's state then. */
export async function waitForRunFinished(page: Page, timeoutMs = 120_000): Promise<PeerState> {
  await expect
    .poll(async () => (await peerState(page)).run?.phase, { timeout: timeoutMs, intervals: [250] })
    .toBe('finished');
  return peerState(page);
}
