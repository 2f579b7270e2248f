import {
  BackgroundWindow,
  CHROMIUM_ARGS,
  chromiumExecutablePath,
  type HiddenCapableTab,
  type SwarmTestState,
} from '@swarmlab/test-kit/browser';
import { expect, test } from './fixtures';

/**
 * A real browser window, as a user opens one: the seeder's tab in front, four leecher tabs behind it,
 * hidden (Chromium runs their own timers about once a second). Playwright's pages are always visible,
 * so this drives a Chromium of its own under Xvfb (see `BackgroundWindow`).
 */
const LEECHERS = 4;
const FILE_MIB = 4;

function stateOf(tab: HiddenCapableTab): Promise<SwarmTestState> {
  return tab.evaluate<SwarmTestState>('window.__swarm.state()');
}

test('a shaped run in a window of background tabs completes with the seeder’s bytes on every hidden leecher', async ({
  baseURL,
}) => {
  const executablePath = chromiumExecutablePath();
  expect(executablePath, 'a system Chromium (CHROMIUM_PATH or /usr/bin/chromium)').toBeDefined();
  const window = await BackgroundWindow.launch({ executablePath: executablePath!, args: CHROMIUM_ARGS });
  try {
    const seeder = await window.openTab(
      `${baseURL}/?mode=p2p&server-up=1MB/s&peer-up=500kB/s&peer-down=2MB/s&file-mib=${FILE_MIB}`,
      { background: false },
    );
    await expect.poll(() => seeder.evaluate<boolean>(`!!document.querySelector('[data-testid=generate]')`)).toBe(true);
    await seeder.evaluate(`document.querySelector('[data-testid=generate]').click()`);
    const link = await pollValue(() =>
      seeder.evaluate<string>(`document.querySelector('[data-testid=share-link]')?.value ?? ''`),
    ).toMatch(/#\/swarm\//);
    const seederSha256 = await pollValue(async () => (await stateOf(seeder)).fileSha256 ?? '').toMatch(
      /^[0-9a-f]{64}$/,
    );

    const leechers: HiddenCapableTab[] = [];
    for (let i = 0; i < LEECHERS; i++)
      leechers.push(await window.openTab(new URL(link, baseURL).href, { background: true }));
    for (const tab of [seeder, ...leechers])
      await expect
        .poll(async () => (await stateOf(tab).catch(() => undefined))?.connectedPeers, { timeout: 60_000 })
        .toBe(LEECHERS);
    // The point of the test: every leecher is hidden, as behind the front tab of a real window.
    expect(await seeder.visibilityState()).toBe('visible');
    for (const tab of leechers) expect(await tab.visibilityState()).toBe('hidden');

    await seeder.evaluate(`document.querySelector('[data-testid=start-run]').click()`);
    await expect
      .poll(async () => (await stateOf(seeder)).run?.phase, { timeout: 120_000, intervals: [250] })
      .toBe('finished');
    for (const tab of leechers) {
      const hash = await pollValue(async () => (await stateOf(tab)).fileSha256 ?? '').toMatch(/^[0-9a-f]{64}$/);
      expect(hash).toBe(seederSha256);
      expect(await tab.visibilityState()).toBe('hidden');
    }
    // A hidden tab draws nothing: its page still shows what it showed when hidden (here: no run yet),
    // though it holds the whole file; brought to the front, it shows the finished run at once.
    const last = leechers.at(-1)!;
    const chunkCount = String((FILE_MIB * 1024) / 256);
    expect(String((await stateOf(last)).chunksHeld)).toBe(chunkCount);
    expect(
      await last.evaluate<string>(`document.querySelector('[data-testid=own-bitmap]')?.dataset.held ?? 'none'`),
    ).not.toBe(chunkCount);
    await last.bringToFront();
    expect(await last.visibilityState()).toBe('visible');
    await expect
      .poll(() => last.evaluate<string>(`document.querySelector('[data-testid=own-bitmap]')?.dataset.held ?? ''`))
      .toBe(chunkCount);
  } finally {
    await window.close();
  }
});

/** Polls `read` until its value matches, then resolves to that value. */
function pollValue(read: () => Promise<string>): { toMatch(pattern: RegExp): Promise<string> } {
  return {
    async toMatch(pattern) {
      let value = '';
      await expect
        .poll(
          async () => {
            value = await read();
            return value;
          },
          { timeout: 60_000 },
        )
        .toMatch(pattern);
      return value;
    },
  };
}
