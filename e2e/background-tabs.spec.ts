import {
  BackgroundWindow,
  CHROMIUM_ARGS,
  cdpSwarmTab,
  chromiumExecutablePath,
  type HiddenCapableTab,
  type SwarmTab,
} from '@swarmlab/test-kit/browser';
import { expect, test } from './fixtures';

/**
 * A real browser window, as a user opens one: the seeder's tab in front, four leecher tabs behind it,
 * hidden (Chromium runs their own timers about once a second). Playwright's pages are always visible,
 * so this drives a Chromium of its own under Xvfb (see `BackgroundWindow`).
 */
const LEECHERS = 4;
const FILE_MIB = 4;
const CHUNK_COUNT = (FILE_MIB * 1024) / 256;

function launchWindow(extraArgs: readonly string[] = []): Promise<BackgroundWindow> {
  const executablePath = chromiumExecutablePath();
  expect(executablePath, 'a system Chromium (CHROMIUM_PATH or /usr/bin/chromium)').toBeDefined();
  return BackgroundWindow.launch({ executablePath: executablePath!, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * Closes `window`, handing its tabs' warnings (`swarmlab: …`) to the test's pages' (`pageWarnings`), checked at the
 * test's end with the warnings it allows.
 */
async function closeWindow(window: BackgroundWindow, pageWarnings: { readonly seen: string[] }): Promise<void> {
  pageWarnings.seen.push(...window.appWarnings);
  await window.close();
}

/** Generates a `sizeMib` file in the seeder's tab; resolves to its share link (on `origin`) and SHA-256. */
async function seedFile(seeder: SwarmTab, sizeMib: number, origin: string): Promise<{ link: string; sha256: string }> {
  await seeder.generateFile(sizeMib);
  await expect.poll(() => seeder.shareLink(), { timeout: 60_000 }).toMatch(/#\/swarm\//);
  await expect
    .poll(async () => (await seeder.readState()).fileSha256 ?? '', { timeout: 60_000 })
    .toMatch(/^[0-9a-f]{64}$/);
  return { link: new URL(await seeder.shareLink(), origin).href, sha256: (await seeder.readState()).fileSha256! };
}

/** Opens `count` tabs on `link` behind the front one and waits until every tab is connected to every other. */
async function openHiddenLeechers(
  window: BackgroundWindow,
  seeder: SwarmTab,
  link: string,
  count: number,
): Promise<{ hiddenTabs: HiddenCapableTab[]; leechers: SwarmTab[] }> {
  const hiddenTabs: HiddenCapableTab[] = [];
  for (let i = 0; i < count; i++) hiddenTabs.push(await window.openTab(link, { background: true }));
  const leechers = hiddenTabs.map(cdpSwarmTab);
  for (const tab of [seeder, ...leechers])
    await expect
      .poll(async () => (await tab.readState().catch(() => undefined))?.connectedPeers, { timeout: 60_000 })
      .toBe(count);
  return { hiddenTabs, leechers };
}

/**
 * Starts a run from the seeder's form and waits until it has finished with the seeder's SHA-256 on every
 * leecher, each still hidden.
 */
async function runToTheEnd(
  seeder: SwarmTab,
  leechers: readonly SwarmTab[],
  form: Parameters<SwarmTab['pressStartRun']>[0],
  seederSha256: string,
): Promise<void> {
  await seeder.pressStartRun(form);
  await expect
    .poll(async () => (await seeder.readState()).run?.phase, { timeout: 120_000, intervals: [250] })
    .toBe('finished');
  for (const tab of leechers) {
    await expect.poll(async () => (await tab.readState()).fileSha256, { timeout: 120_000 }).toBe(seederSha256);
    expect(await tab.visibilityState()).toBe('hidden');
  }
}

test('a shaped run in a window of background tabs completes with the seeder’s bytes on every hidden leecher', async ({
  baseURL,
  pageWarnings,
}) => {
  const window = await launchWindow();
  pageWarnings.allow(/^swarmlab: probe of appWarnings$/);
  try {
    const seeder = cdpSwarmTab(await window.openTab(`${baseURL}/`, { background: false }));
    const { link, sha256: seederSha256 } = await seedFile(seeder, FILE_MIB, baseURL!);
    const { hiddenTabs, leechers } = await openHiddenLeechers(window, seeder, link, LEECHERS);
    // The window hears its tabs' uncaught exceptions (checked at the end): a probe thrown on purpose is heard.
    await hiddenTabs[0]!.evaluate('setTimeout(() => { throw new Error("probe of pageErrors") }, 0), 1');
    await expect.poll(() => window.pageErrors.some((error) => error.includes('probe of pageErrors'))).toBe(true);
    // And the app's warnings (checked at the end, with the test's pages', `pageWarnings`): a probe is heard.
    await hiddenTabs[0]!.evaluate('console.warn("swarmlab: probe of appWarnings"), 1');
    await expect.poll(() => window.appWarnings.includes('swarmlab: probe of appWarnings')).toBe(true);
    // The point of the test: every leecher is hidden, as behind the front tab of a real window.
    expect(await seeder.visibilityState()).toBe('visible');
    for (const tab of leechers) expect(await tab.visibilityState()).toBe('hidden');

    await runToTheEnd(
      seeder,
      leechers,
      { mode: 'p2p', serverUp: '1MB/s', peerUp: '500kB/s', peerDown: '2MB/s' },
      seederSha256,
    );
    // And it kept to its caps: no sooner than D_p2p = N F / (u_s + N u_i) = 4 × 4 MiB / 3 MB/s ≈ 5.59 s, less the
    // buckets' bursts (a run whose hidden tabs ignored their caps ends in about a second).
    const boundMs = ((LEECHERS * FILE_MIB * 2 ** 20) / (1e6 + LEECHERS * 500e3)) * 1000;
    expect((await seeder.readState()).run?.distributionMs).toBeGreaterThanOrEqual(0.8 * boundMs);

    // A hidden tab draws nothing: its page still shows what it showed when hidden (here: no run yet),
    // though it holds the whole file; brought to the front, it shows the finished run at once.
    const last = hiddenTabs.at(-1)!;
    const ownBitmapHeld = `document.querySelector('[data-testid=own-bitmap]')?.dataset.held ?? 'none'`;
    expect((await leechers.at(-1)!.readState()).chunksHeld).toBe(CHUNK_COUNT);
    expect(await last.evaluate<string>(ownBitmapHeld)).not.toBe(String(CHUNK_COUNT));
    await last.bringToFront();
    expect(await last.visibilityState()).toBe('visible');
    await expect.poll(() => last.evaluate<string>(ownBitmapHeld)).toBe(String(CHUNK_COUNT));
    const errors = window.pageErrors.filter((error) => !error.includes('probe of pageErrors'));
    expect(errors, 'uncaught exceptions in the window’s tabs').toEqual([]);
  } finally {
    await closeWindow(window, pageWarnings);
  }
});

/**
 * A classroom's tabs, as students meet them: pages from a plain-http LAN address (no WebCrypto there, so a
 * leecher hashes its stored file in a streaming pass that yields to the page every 16 MiB), in tabs behind
 * the front one. Chromium resolves a made-up name to loopback (as in lan-origin.spec.ts).
 */
const LAN_HOST = 'swarmlab.test';
const LAN_FILE_MIB = 40;
const LAN_LEECHERS = 2;

test('on a plain-http LAN origin, hidden leechers hash the whole file in a streaming pass and match the seeder', async ({
  baseURL,
  pageWarnings,
}) => {
  const window = await launchWindow([
    `--host-resolver-rules=MAP ${LAN_HOST} 127.0.0.1`,
    '--disable-features=WebRtcHideLocalIpsWithMdns',
  ]);
  try {
    await window.grantPeerPermissions();
    const lan = new URL(baseURL!);
    lan.hostname = LAN_HOST;
    const seederTab = await window.openTab(`${lan.origin}/`, { background: false });
    const seeder = cdpSwarmTab(seederTab);
    expect(await seederTab.evaluate<boolean>('window.isSecureContext')).toBe(false);
    const { link, sha256: seederSha256 } = await seedFile(seeder, LAN_FILE_MIB, lan.origin);
    const { hiddenTabs, leechers } = await openHiddenLeechers(window, seeder, link, LAN_LEECHERS);
    for (const [i, tab] of leechers.entries()) {
      expect(await tab.visibilityState()).toBe('hidden');
      expect(await hiddenTabs[i]!.evaluate<boolean>('window.isSecureContext')).toBe(false);
    }

    await runToTheEnd(seeder, leechers, { mode: 'p2p', serverUp: '', peerUp: '', peerDown: '' }, seederSha256);
    expect(window.pageErrors, 'uncaught exceptions in the window’s tabs').toEqual([]);
  } finally {
    await closeWindow(window, pageWarnings);
  }
});
