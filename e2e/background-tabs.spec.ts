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

test('a shaped run in a window of background tabs completes with the seeder’s bytes on every hidden leecher', async ({
  baseURL,
}) => {
  const executablePath = chromiumExecutablePath();
  expect(executablePath, 'a system Chromium (CHROMIUM_PATH or /usr/bin/chromium)').toBeDefined();
  const window = await BackgroundWindow.launch({ executablePath: executablePath!, args: CHROMIUM_ARGS });
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
