import { readPeerState, readRunsJson } from '@swarmlab/test-kit/browser';
import { expect, startRun, test, waitForComplete, waitForFileHash, waitForMesh, waitForRunFinished } from './fixtures';

/**
 * Churn, as in a classroom where lids close mid-run: of six leechers, two (30 %) are closed at random
 * moments while the run goes on. The others complete with the seeder's bytes, and the run ends with the
 * two counted as having left before completing.
 */
test('leechers closed at random moments mid-run: the rest complete with correct bytes and the run counts the dropped', async ({
  swarm,
}, testInfo) => {
  // u_s = 2 MB/s, u_i = 500 kB/s, 8 MiB, 6 leechers: D_p2p = 6F/(u_s + Σu_i) ≈ 10 s, so the closes (0.5 to 3 s in)
  // land mid-run even when the first leechers finish early.
  const seeder = await swarm.seedGenerated(8, '?server-up=2MB/s&peer-up=500kB/s');
  const seederHash = await waitForFileHash(seeder.page);
  const leechers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => swarm.openPeer(seeder.link)));
  await waitForMesh([seeder.page, ...leechers]);

  await startRun(seeder.page);
  const closing = leechers.slice(0, 2);
  const staying = leechers.slice(2);
  // Random, and said in the report, so that a failure can be replayed with the same moments.
  const closeAfterMs = closing.map(() => Math.round(500 + Math.random() * 2500));
  testInfo.annotations.push({ type: 'close-after-ms', description: closeAfterMs.join(', ') });
  const closes = closing.map(async (page, index) => {
    await new Promise((resolve) => setTimeout(resolve, closeAfterMs[index]));
    // Only a leecher still downloading counts as leaving before completing.
    expect((await readPeerState(page)).complete).toBe(false);
    await page.context().close();
  });
  await Promise.all(closes);

  const finished = await waitForRunFinished(seeder.page);
  expect(finished.run?.leechers).toBe(staying.length);
  for (const page of staying) expect((await waitForComplete(page)).fileSha256).toBe(seederHash);
  await expect
    .poll(async () => {
      const records = JSON.parse(await readRunsJson(seeder.page)) as Array<{ abandonedLeechers: number }>;
      return records.at(-1)?.abandonedLeechers;
    })
    .toBe(closing.length);
});
