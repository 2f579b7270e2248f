import { BackgroundWindow, CHROMIUM_ARGS, cdpSwarmTab, chromiumExecutablePath } from '@swarmlab/test-kit/browser';
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

test('a shaped run in a window of background tabs completes with the seeder’s bytes on every hidden leecher', async ({
  baseURL,
}) => {
  const window = await launchWindow();
  try {
    const seeder = cdpSwarmTab(await window.openTab(`${baseURL}/`, { background: false }));
    await seeder.generateFile(FILE_MIB);
    await expect.poll(() => seeder.shareLink(), { timeout: 60_000 }).toMatch(/#\/swarm\//);
    const link = new URL(await seeder.shareLink(), baseURL).href;
    await expect.poll(async () => (await seeder.readState()).fileSha256 ?? '').toMatch(/^[0-9a-f]{64}$/);
    const seederSha256 = (await seeder.readState()).fileSha256;

    const hiddenTabs = [];
    for (let i = 0; i < LEECHERS; i++) hiddenTabs.push(await window.openTab(link, { background: true }));
    const leechers = hiddenTabs.map(cdpSwarmTab);
    for (const tab of [seeder, ...leechers])
      await expect
        .poll(async () => (await tab.readState().catch(() => undefined))?.connectedPeers, { timeout: 60_000 })
        .toBe(LEECHERS);
    // The point of the test: every leecher is hidden, as behind the front tab of a real window.
    expect(await seeder.visibilityState()).toBe('visible');
    for (const tab of leechers) expect(await tab.visibilityState()).toBe('hidden');

    await seeder.pressStartRun({ mode: 'p2p', serverUp: '1MB/s', peerUp: '500kB/s', peerDown: '2MB/s' });
    await expect
      .poll(async () => (await seeder.readState()).run?.phase, { timeout: 120_000, intervals: [250] })
      .toBe('finished');
    for (const tab of leechers) {
      await expect.poll(async () => (await tab.readState()).fileSha256, { timeout: 60_000 }).toBe(seederSha256);
      expect(await tab.visibilityState()).toBe('hidden');
    }

    // A hidden tab draws nothing: its page still shows what it showed when hidden (here: no run yet),
    // though it holds the whole file; brought to the front, it shows the finished run at once.
    const last = hiddenTabs.at(-1)!;
    const ownBitmapHeld = `document.querySelector('[data-testid=own-bitmap]')?.dataset.held ?? 'none'`;
    expect((await leechers.at(-1)!.readState()).chunksHeld).toBe(CHUNK_COUNT);
    expect(await last.evaluate<string>(ownBitmapHeld)).not.toBe(String(CHUNK_COUNT));
    await last.bringToFront();
    expect(await last.visibilityState()).toBe('visible');
    await expect.poll(() => last.evaluate<string>(ownBitmapHeld)).toBe(String(CHUNK_COUNT));
  } finally {
    await window.close();
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
    await seeder.generateFile(LAN_FILE_MIB);
    await expect.poll(() => seeder.shareLink(), { timeout: 60_000 }).toMatch(/#\/swarm\//);
    await expect
      .poll(async () => (await seeder.readState()).fileSha256 ?? '', { timeout: 60_000 })
      .toMatch(/^[0-9a-f]{64}$/);
    const seederSha256 = (await seeder.readState()).fileSha256;
    const link = new URL(await seeder.shareLink(), lan.origin).href;

    const hiddenTabs = [];
    for (let i = 0; i < LAN_LEECHERS; i++) hiddenTabs.push(await window.openTab(link, { background: true }));
    const leechers = hiddenTabs.map(cdpSwarmTab);
    for (const tab of [seeder, ...leechers])
      await expect
        .poll(async () => (await tab.readState().catch(() => undefined))?.connectedPeers, { timeout: 60_000 })
        .toBe(LAN_LEECHERS);
    for (const [i, tab] of leechers.entries()) {
      expect(await tab.visibilityState()).toBe('hidden');
      expect(await hiddenTabs[i]!.evaluate<boolean>('window.isSecureContext')).toBe(false);
    }

    await seeder.pressStartRun({ mode: 'p2p', serverUp: '', peerUp: '', peerDown: '' });
    await expect
      .poll(async () => (await seeder.readState()).run?.phase, { timeout: 120_000, intervals: [250] })
      .toBe('finished');
    for (const tab of leechers) {
      await expect.poll(async () => (await tab.readState()).fileSha256, { timeout: 120_000 }).toBe(seederSha256);
      expect(await tab.visibilityState()).toBe('hidden');
    }
  } finally {
    await window.close();
  }
});
