import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { test as base, expect, type Browser, type Page } from '@playwright/test';
import {
  generateFile,
  pressStartRun,
  readPeerState,
  type RunFormInput,
  type SwarmTestState,
} from '@swarmlab/test-kit/browser';

/**
 * The port of a server a test starts itself (and may start again on the same port): `envName` if set, else
 * `fallback`, which must lie below Linux's ephemeral range (32768–60999 by default). The kernel gives client
 * sockets their ports from that range, so with hundreds of connections made by the time a test starts, a
 * fixed port inside it can be held by one of them (it happened: EADDRINUSE at 41753, twice in a row).
 */
export function testServerPort(envName: string, fallback: number): number {
  if (fallback >= 32768) throw new RangeError(`port ${fallback} is in the ephemeral range; pick one below 32768`);
  const fromEnv = process.env[envName];
  if (fromEnv === undefined) return fallback;
  const port = Number(fromEnv);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new RangeError(`${envName} must be a port number (1–65535), not ${JSON.stringify(fromEnv)}`);
  return port;
}

/** Opens a page in a browser context of its own: one page per peer, like separate browsers. */
export interface Swarm {
  /** With `beforeLoad`, which runs on the page before it loads `url` (a route, say, that its scripts must meet). */
  openPeer(url?: string, beforeLoad?: (page: Page) => Promise<void>): Promise<Page>;
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
      async openPeer(url = '/', beforeLoad) {
        const context = await browser.newContext();
        contexts.push(context);
        const page = await context.newPage();
        page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
        page.on('console', (message) => {
          if (message.type() === 'warning' || message.type() === 'error')
            console.error(`[page ${message.type()}] ${message.text()}`);
        });
        await beforeLoad?.(page);
        await page.goto(url);
        return page;
      },
      async seedGenerated(sizeMib, query = '') {
        const page = await swarm.openPeer(`/${query}`);
        await generateFile(page, sizeMib);
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

/** Waits until the page holds the whole file and has hashed it; returns its state. */
export async function waitForComplete(page: Page, timeoutMs = 120_000): Promise<SwarmTestState> {
  await expect
    .poll(
      async () => {
        const state = await readPeerState(page);
        return state.complete && state.fileSha256 !== undefined;
      },
      { timeout: timeoutMs, intervals: [250] },
    )
    .toBe(true);
  return readPeerState(page);
}

/** Waits until the page has hashed its whole file (a seeder does so before any run); returns the hash. */
export async function waitForFileHash(page: Page, timeoutMs = 60_000): Promise<string> {
  await expect
    .poll(async () => (await readPeerState(page)).fileSha256, { timeout: timeoutMs, intervals: [100] })
    .toMatch(/^[0-9a-f]{64}$/);
  return (await readPeerState(page)).fileSha256!;
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
      .poll(async () => (await readPeerState(page)).connectedPeers, { timeout: timeoutMs, intervals: [100] })
      .toBe(pages.length - 1);
  }
}

/** Fills the run form on `page` (only the fields given) and starts a run for the whole swarm. */
export async function startRun(page: Page, form: RunFormInput = {}): Promise<void> {
  const before = await pressStartRun(page, form);
  await expect.poll(async () => (await readPeerState(page)).run?.runNumber ?? 0).toBe(before + 1);
}

/** Waits until the swarm's latest run has finished; returns the page's state then. */
export async function waitForRunFinished(page: Page, timeoutMs = 120_000): Promise<SwarmTestState> {
  await expect
    .poll(async () => (await readPeerState(page)).run?.phase, { timeout: timeoutMs, intervals: [250] })
    .toBe('finished');
  return readPeerState(page);
}

/**
 * The run summary on `page` once it shows the run finished: its measured time, and whether it says the run
 * was registered again after a signalling-server restart.
 */
export async function finishedSummary(page: Page): Promise<{ measuredSec: number; restored: boolean }> {
  const summary = page.getByTestId('run-summary');
  await expect(summary).toHaveAttribute('data-phase', 'finished', { timeout: 90_000 });
  return {
    measuredSec: Number(await summary.getAttribute('data-measured-sec')),
    restored: await summary.getByTestId('run-restored').isVisible(),
  };
}

/** SHA-256 (hex) of a file on disk, streamed (a file a page saved may be large). */
export async function savedFileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
