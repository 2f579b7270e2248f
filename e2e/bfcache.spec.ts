import type { Page } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumExecutablePath, pressStartRun, readPeerState } from '@swarmlab/test-kit/browser';
import { expect, startRun, test, waitForComplete, waitForFileHash, waitForMesh, waitForRunFinished } from './fixtures';

// Playwright turns Chromium's back/forward cache off; a user's browser has it on.
const executablePath = chromiumExecutablePath();
test.use({
  launchOptions: {
    ...(executablePath ? { executablePath } : {}),
    args: [...CHROMIUM_ARGS],
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  },
});

/**
 * The user follows a link away from the tab, then presses Back: the page comes back from the back/forward
 * cache (no load), and this checks it did, so the test cannot pass on a page loaded afresh.
 */
async function awayAndBack(page: Page): Promise<void> {
  await page.evaluate(() => {
    const shown: boolean[] = [];
    Object.assign(window, { swarmlabPageShows: shown });
    addEventListener('pageshow', (event) => shown.push(event.persisted));
  });
  await page.goto('/healthz');
  // A page restored from the cache fires no load event.
  await page.goBack({ waitUntil: 'commit' });
  await expect
    .poll(() => page.evaluate(() => (window as { swarmlabPageShows?: boolean[] }).swarmlabPageShows))
    .toEqual([true]);
}

test('tabs that went Back and Forward (the back/forward cache) come back in their swarm: the seeder seeds, a leecher resumes its download', async ({
  swarm,
}) => {
  const seeder = await swarm.seedGenerated(8, '?server-up=1MB/s');
  const seederHash = await waitForFileHash(seeder.page);
  const leecher = await swarm.openPeer(seeder.link);
  await waitForMesh([seeder.page, leecher]);

  // The teacher looks at another page and comes back: still the seeder, under the same link, file unchanged.
  await awayAndBack(seeder.page);
  await expect(seeder.page.getByTestId('swarm-view')).toHaveAttribute('data-role', 'seeder');
  await expect(seeder.page.getByTestId('share-link')).toHaveValue(seeder.link);
  expect(await waitForFileHash(seeder.page)).toBe(seederHash);
  await expect(leecher.getByTestId('seeder-gone')).toBeHidden();
  await waitForMesh([seeder.page, leecher]);

  // A student does the same mid-download (8 MiB at 1 MB/s): back in the run with the chunks it held.
  await startRun(seeder.page);
  await expect
    .poll(async () => (await readPeerState(leecher)).chunksHeld, { timeout: 60_000, intervals: [100] })
    .toBeGreaterThanOrEqual(4);
  const before = await readPeerState(leecher);
  expect(before.complete).toBe(false);
  await awayAndBack(leecher);
  await expect.poll(async () => (await readPeerState(leecher)).resumedChunks).toBeGreaterThanOrEqual(before.chunksHeld);
  const final = await waitForComplete(leecher);
  expect(final.fileSha256).toBe(seederHash);
  expect(final.runNumber).toBe(1);
});

test('a seeder left alone that went Back and Forward registers its swarm again and numbers its next run after the last', async ({
  swarm,
}) => {
  const seeder = await swarm.seedGenerated(1);
  const seederHash = await waitForFileHash(seeder.page);
  const first = await swarm.openPeer(seeder.link);
  await waitForMesh([seeder.page, first]);
  await startRun(seeder.page);
  expect((await waitForComplete(first)).fileSha256).toBe(seederHash);
  await waitForRunFinished(seeder.page);
  // The class leaves; then the teacher looks at another page: the swarm is left empty and the server forgets it.
  await first.context().close();
  await expect.poll(async () => (await readPeerState(seeder.page)).connectedPeers).toBe(0);
  await awayAndBack(seeder.page);
  await expect(seeder.page.getByTestId('swarm-view')).toHaveAttribute('data-role', 'seeder');

  const second = await swarm.openPeer(seeder.link);
  await waitForMesh([seeder.page, second]);
  await pressStartRun(seeder.page);
  // From 1 again, its record would collide with the first run's, and the history would drop it.
  await expect.poll(async () => (await readPeerState(seeder.page)).run?.runNumber).toBe(2);
  // The seeder gone Back and Forward still serves the file's own bytes.
  expect((await waitForComplete(second, { runNumber: 2 })).fileSha256).toBe(seederHash);
  await waitForRunFinished(seeder.page);
  await expect(seeder.page.getByTestId('run-history').locator('h2')).toContainText('2 runs kept');
});
