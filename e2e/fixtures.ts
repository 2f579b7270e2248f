import type { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { test as base, expect, type Browser, type Page } from '@playwright/test';
import {
  generateFile,
  pressStartRun,
  readPeerState,
  type RunFormInput,
  type SwarmTestState,
} from '@swarmlab/test-kit/browser';
import { startServerProcess, type ServerProcess, type ServerProcessOptions } from '@swarmlab/test-kit/server';
import { suiteServerErrorsFile } from './suite-server';

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

/**
 * Keeps every uncaught exception and unhandled rejection of `page` (and logs its console's warnings and errors):
 * `errors` is checked at the end of the test, which fails on any (a crash that does not stop the transfer
 * would otherwise pass unseen). `warnings` keeps the app's own console warnings (`swarmlab: …`, warned or logged as
 * an error), the test's `pageWarnings.seen`: required, as a page opened without them (a projector's overview, a
 * phone's context) let its warnings pass unchecked (found by review). A `BackgroundWindow`'s tabs report theirs as
 * its `appWarnings`.
 */
export function watchPageErrors(page: Page, errors: string[], warnings: string[]): void {
  page.on('pageerror', (error) => {
    console.error(`[page error] ${error.message}`);
    // Chromium's note that a resize observer's callback changed the layout it observes, to be delivered next
    // frame: not an exception of the app's (Svelte's `bind:clientWidth` observes sizes that follow the page's).
    if (/ResizeObserver loop/.test(error.message)) return;
    errors.push(`${page.url()}: ${error.stack ?? error.message}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'warning' || message.type() === 'error')
      console.error(`[page console.${message.type()}] ${message.text()}`);
    if ((message.type() === 'warning' || message.type() === 'error') && message.text().startsWith('swarmlab:'))
      warnings.push(message.text());
  });
}

/**
 * The app's console warnings in a test's pages (`swarmlab: …`): a failure it caught and went on past (a stored chunk
 * it could not read, fetched again; a report refused), by which a test could pass down a degraded path unseen
 * (found by review). None may be left at the end of a test but those it `allow`s.
 */
export interface PageWarnings {
  /** Warnings matching `pattern` are what the test causes on purpose. */
  allow(pattern: RegExp): void;
}

/**
 * Warnings any test may see: a connection attempt that failed on a loaded machine is tried again, and what a tab
 * shows of it is the connection-trouble tests' business.
 */
const WARNINGS_ANY_TEST_MAY_SEE: readonly RegExp[] = [/^swarmlab: connecting to \S+ failed/];

/** Server processes of a test's own (`startServerProcess`), which it may kill and start again. */
export interface ServerProcesses {
  /** Starts one; it is killed at the end of the test, and none of its error lines may be left (see `ServerProcess`). */
  start(options: ServerProcessOptions): Promise<ServerProcess>;
}

/**
 * The error lines so far of the suite's server at `baseUrl` (`run-suite-server.ts`): none where it runs without
 * writing them (a server reused on purpose, `SWARMLAB_E2E_REUSE`).
 */
function suiteServerErrorLines(baseUrl: string): string[] {
  const file = suiteServerErrorsFile(Number(new URL(baseUrl).port));
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

export const test = base.extend<{
  swarm: Swarm;
  pageErrors: string[];
  pageWarnings: PageWarnings & { readonly seen: string[] };
  servers: ServerProcesses;
  serverErrors: undefined;
}>({
  // Every test: the suite server may log no error while it runs (a handler that threw answered `internal-error`,
  // work nobody answers failed, and the test passed, the line in a console nobody read: found by review). The
  // server runs one test at a time (`workers: 1`), so its lines meanwhile are the test's.
  serverErrors: [
    async ({ baseURL }, use) => {
      const lines = () => suiteServerErrorLines(baseURL ?? 'missing baseURL');
      const before = lines().length;
      await use(undefined);
      expect(lines().slice(before), 'error lines of the suite’s server during the test').toEqual([]);
    },
    { auto: true },
  ],
  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern.
  servers: async ({}, use) => {
    const started: ServerProcess[] = [];
    await use({
      async start(options) {
        const server = await startServerProcess(options);
        started.push(server);
        return server;
      },
    });
    for (const server of started) await server.kill();
    const errorLines = started.flatMap((server) => server.errorLines.map((line) => `${server.origin}: ${line}`));
    expect(errorLines, 'error lines of the servers the test started').toEqual([]);
  },
  // Filled by every page of the test (`watchPageErrors`); none may be left at its end.
  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern.
  pageErrors: async ({}, use) => {
    const errors: string[] = [];
    await use(errors);
    expect(errors, 'uncaught exceptions or unhandled rejections in the pages').toEqual([]);
  },
  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern.
  pageWarnings: async ({}, use) => {
    const seen: string[] = [];
    const allowed: RegExp[] = [...WARNINGS_ANY_TEST_MAY_SEE];
    await use({ seen, allow: (pattern) => allowed.push(pattern) });
    const unexpected = seen.filter((warning) => !allowed.some((pattern) => pattern.test(warning)));
    expect(unexpected, 'warnings of the app the test did not cause').toEqual([]);
  },
  swarm: async ({ browser, pageErrors, pageWarnings }, use) => {
    const contexts: Awaited<ReturnType<Browser['newContext']>>[] = [];
    const swarm: Swarm = {
      async openPeer(url = '/', beforeLoad) {
        const context = await browser.newContext();
        contexts.push(context);
        const page = await context.newPage();
        watchPageErrors(page, pageErrors, pageWarnings.seen);
        // A seeding page, or one holding a file not saved, asks before it unloads (`beforeunload`): a test's reload or
        // navigation is the user answering "Leave". Any other dialog is dismissed, as Playwright does with no
        // listener, unless the test listens for it.
        page.on('dialog', (dialog) => {
          if (dialog.type() === 'beforeunload') void dialog.accept();
          // (A Page is an EventEmitter at run time; its type does not say so.)
          else if ((page as unknown as EventEmitter).listenerCount('dialog') === 1) void dialog.dismiss();
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

/**
 * Moves the focus with the Tab key, as a keyboard user does, until it is on the element `selector` matches
 * (at most `maxPresses` times): `locator.focus()` would also reach an element the keyboard cannot
 * (`tabindex="-1"`, behind a focus trap). Fails with the elements it went through.
 */
export async function tabTo(page: Page, selector: string, maxPresses = 80): Promise<void> {
  const visited: string[] = [];
  for (let press = 0; press < maxPresses; press++) {
    await page.keyboard.press('Tab');
    const [matches, described] = await page.evaluate((wanted) => {
      const active = document.activeElement;
      const testId = active?.getAttribute('data-testid');
      return [
        active?.matches(wanted) ?? false,
        `${active?.tagName.toLowerCase() ?? 'none'}${testId ? `[${testId}]` : ''}`,
      ] as const;
    }, selector);
    if (matches) return;
    visited.push(described);
  }
  throw new Error(`Tab never reached ${selector} in ${maxPresses} presses; it went through: ${visited.join(', ')}`);
}

/** How long to wait, and for which run (any, by default: the state may then still be the previous run's). */
export type WaitOptions = number | { readonly timeoutMs?: number; readonly runNumber?: number };

const waitOptions = (options: WaitOptions | undefined, timeoutMs: number) =>
  typeof options === 'number' ? { timeoutMs: options } : { timeoutMs, ...options };

/**
 * Waits until the page holds the whole file and has hashed it (in run `runNumber`, if given: a page that has
 * not yet heard of the next run still shows the last one complete); returns its state.
 */
export async function waitForComplete(page: Page, options?: WaitOptions): Promise<SwarmTestState> {
  const { timeoutMs, runNumber } = waitOptions(options, 120_000);
  await expect
    .poll(
      async () => {
        const state = await readPeerState(page);
        const ofRun = runNumber === undefined || state.runNumber === runNumber;
        return ofRun && state.complete && state.fileSha256 !== undefined;
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

/** Fills the run form on `page` (only the fields given) and starts a run for the whole swarm; returns its number. */
export async function startRun(page: Page, form: RunFormInput = {}): Promise<number> {
  const before = await pressStartRun(page, form);
  await expect.poll(async () => (await readPeerState(page)).run?.runNumber ?? 0).toBe(before + 1);
  return before + 1;
}

/**
 * Waits until the swarm's latest run (as the page knows it; run `runNumber`, if given) has finished; returns
 * the page's state then.
 */
export async function waitForRunFinished(page: Page, options?: WaitOptions): Promise<SwarmTestState> {
  const { timeoutMs, runNumber } = waitOptions(options, 120_000);
  await expect
    .poll(
      async () => {
        const run = (await readPeerState(page)).run;
        return runNumber === undefined || run?.runNumber === runNumber ? run?.phase : `run ${run?.runNumber}`;
      },
      { timeout: timeoutMs, intervals: [250] },
    )
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
