import type { Page } from '@playwright/test';
import { readPeerState, releaseTestDelays } from '@swarmlab/test-kit/browser';
import {
  expect,
  savedFileSha256,
  startRun,
  type Swarm,
  test,
  waitForComplete,
  waitForFileHash,
  waitForMesh,
  waitForRunFinished,
} from './fixtures';

/** Whether every bit set in `before` (hex, wire layout) is set in `after`. */
function holdsAll(before: string, after: string): boolean {
  for (let i = 0; i < before.length; i += 2) {
    const was = Number.parseInt(before.slice(i, i + 2), 16);
    const now = Number.parseInt(after.slice(i, i + 2) || '0', 16);
    if ((was & now) !== was) return false;
  }
  return true;
}

test('a leecher reloaded mid-download resumes with the chunks it held and completes with the seeder’s SHA-256', async ({
  swarm,
}) => {
  // Shaped, so the download lasts long enough to reload in the middle: 16 MiB at u_s = 2 MB/s, about 8 s.
  const seeder = await swarm.seedGenerated(16, '?server-up=2MB/s&peer-up=1MB/s');
  const seederHash = await waitForFileHash(seeder.page);
  const [leecher, other] = await Promise.all([1, 2].map(() => swarm.openPeer(seeder.link)));
  await waitForMesh([seeder.page, leecher!, other!]);
  await startRun(seeder.page);

  await expect
    .poll(async () => (await readPeerState(leecher!)).chunksHeld, { timeout: 60_000, intervals: [100] })
    .toBeGreaterThanOrEqual(16);
  const before = await readPeerState(leecher!);
  expect(before.complete).toBe(false);
  await leecher!.reload();
  // It has its place back (the same peer id), so the run still counts what it received before the reload.
  await expect.poll(async () => (await readPeerState(leecher!)).peerId).toBe(before.peerId);

  // Right after the reload: back in run 1, holding every chunk it held before (read back from IndexedDB,
  // each checked against the manifest), before it could have downloaded them again.
  await expect
    .poll(async () => {
      const state = await readPeerState(leecher!);
      return state.runNumber === 1 && state.bitsHex !== '';
    })
    .toBe(true);
  const after = await readPeerState(leecher!);
  expect(after.resumedChunks).toBeGreaterThanOrEqual(before.chunksHeld);
  expect(holdsAll(before.bitsHex, after.bitsHex)).toBe(true);
  expect(after.chunksHeld).toBeGreaterThanOrEqual(before.chunksHeld);

  const final = await waitForComplete(leecher!);
  expect(final.fileSha256).toBe(seederHash);
  // It fetched only the rest: its figure is what it kept (read back) and what its new engine fetched, so fetching a
  // kept chunk again would take it past the file.
  expect(final.downloadedBytes).toBeLessThanOrEqual(16 * 1024 * 1024);
  expect((await waitForComplete(other!)).fileSha256).toBe(seederHash);
  // Its completion counts: nobody was flagged (its first report after the reload held chunks its new engine
  // had not received), and the run finished with both leechers.
  const run = (await waitForRunFinished(seeder.page)).run!;
  expect(run.leechers).toBe(2);
  expect(run.completedAfterMs.every((ms) => ms !== null)).toBe(true);
  // Nor afterwards, as it goes on reporting the chunks its new engine did not count.
  await leecher!.waitForTimeout(1000);
  await expect(seeder.page.getByText('reports refused')).toHaveCount(0);
});

/**
 * A leecher reloaded during a shaped run 1, whose check of the chunks it kept goes on until the test releases it
 * (`releaseTestDelays`: a large file over plain http), and the run stopped while it checks: the pages, and the
 * seeder's hash.
 */
async function stoppedWhileChecking(swarm: Swarm): Promise<{ seeder: Page; leecher: Page; seederHash: string }> {
  // Run 1 shaped (16 MiB at 1 MB/s) so the leecher holds part of it when reloaded.
  const seeder = await swarm.seedGenerated(16, '?server-up=1MB/s');
  const seederHash = await waitForFileHash(seeder.page);
  const link = seeder.link.replace('/#', '/?test-resume-check-delay-ms=60000#');
  const leecher = await swarm.openPeer(link);
  await waitForMesh([seeder.page, leecher]);
  await startRun(seeder.page);
  await expect
    .poll(async () => (await readPeerState(leecher)).chunksHeld, { timeout: 60_000, intervals: [100] })
    .toBeGreaterThanOrEqual(8);
  await leecher.reload();
  // Back in the run, checking run 1's chunks: the teacher stops run 1 meanwhile.
  await expect.poll(async () => (await readPeerState(leecher)).storesOpening, { intervals: [50] }).toBe(1);
  await seeder.page.getByRole('button', { name: 'Stop the run' }).click();
  await expect.poll(async () => (await readPeerState(seeder.page)).run?.phase).toBe('stopped');
  return { seeder: seeder.page, leecher, seederHash };
}

/** The leecher's run 2 completes with the seeder's bytes, Save included, and nothing of run 1's store. */
async function completesRun2(leecher: Page, seederHash: string): Promise<void> {
  const final = await waitForComplete(leecher);
  expect(final.runNumber).toBe(2);
  expect(await waitForFileHash(leecher)).toBe(seederHash);
  const download = leecher.waitForEvent('download');
  await leecher.getByRole('button', { name: 'Save file' }).click();
  expect(await savedFileSha256((await (await download).path())!)).toBe(seederHash);
  expect((await readPeerState(leecher)).resumedChunks).toBe(0);
}

test('a reloaded leecher still checking its stored chunks when the run stops starts no engine for it', async ({
  swarm,
}) => {
  const { seeder, leecher, seederHash } = await stoppedWhileChecking(swarm);
  await expect.poll(() => releaseTestDelays(leecher)).toBe(1);
  // Once the check is over (and only then: before, the state was read after a fixed wait), the stopped run
  // has not started.
  await expect
    .poll(async () => (await readPeerState(leecher)).storesOpening, { timeout: 30_000, intervals: [100] })
    .toBe(0);
  expect(await readPeerState(leecher)).toMatchObject({ phase: 'waiting', runNumber: null, resumedChunks: 0 });
  await startRun(seeder, { serverUp: '' });
  await completesRun2(leecher, seederHash);
});

test('a run started while a stopped run’s stored chunks are still being checked takes its own store', async ({
  swarm,
}) => {
  // The check goes on through the Start below and run 2 (before, it lasted 15 s, which a loaded machine could take
  // for the Start and the run), until the test releases it.
  const { seeder, leecher, seederHash } = await stoppedWhileChecking(swarm);
  // Stop, then Start at once: run 2's empty store opens while run 1's check goes on, and run 1's, opened last,
  // must not replace it (the tab would never hash its file, and Save would write run 1's part).
  await startRun(seeder, { serverUp: '' });
  await waitForComplete(leecher);
  // Run 2's store is open and in use: the store still opening is run 1's, whose check outlasted run 2.
  expect((await readPeerState(leecher)).storesOpening, 'run 1’s check still going as run 2 completed').toBe(1);
  // Run 1's check ends after run 2 completed, and its store is given up: the file hashed and saved is run 2's.
  expect(await releaseTestDelays(leecher)).toBe(1);
  await expect
    .poll(async () => (await readPeerState(leecher)).storesOpening, { timeout: 30_000, intervals: [100] })
    .toBe(0);
  await completesRun2(leecher, seederHash);
});

test('a leecher reloaded once its run is over still offers the file it completed, for Save', async ({ swarm }) => {
  const seeder = await swarm.seedGenerated(4);
  const seederHash = await waitForFileHash(seeder.page);
  const leecher = await swarm.openPeer(seeder.link);
  await waitForMesh([seeder.page, leecher]);
  const runNumber = await startRun(seeder.page);
  await waitForComplete(leecher, { runNumber });
  await waitForRunFinished(seeder.page, { runNumber });
  // A page holding a whole file not saved asks before it unloads (Chromium asks only a page the user has touched: a
  // click first); the fixture answers "Leave". A reload keeps the file, as below.
  const asked: string[] = [];
  leecher.on('dialog', (dialog) => asked.push(dialog.type()));
  await leecher.locator('h1').click();
  // Before, the reloaded page said "Waiting for a run to start", with no Save: the file sat out of reach.
  await leecher.reload();
  expect(asked).toEqual(['beforeunload']);
  await expect(leecher.getByTestId('kept-file')).toContainText(`run ${runNumber}`);
  await expect(leecher.getByTestId('file-sha256')).toHaveText(seederHash, { timeout: 60_000 });
  const download = leecher.waitForEvent('download');
  await leecher.getByTestId('save').click();
  expect(await savedFileSha256((await (await download).path())!)).toBe(seederHash);
  // Saved, it has nothing to lose: a reload asks nothing.
  await leecher.locator('h1').click();
  await leecher.reload();
  expect(asked).toEqual(['beforeunload']);
  await expect(leecher.getByTestId('kept-file')).toContainText(`run ${runNumber}`);
  // The next run starts it empty, as ever.
  const next = await startRun(seeder.page);
  await expect(leecher.getByTestId('kept-file')).toHaveCount(0);
  expect((await waitForComplete(leecher, { runNumber: next })).fileSha256).toBe(seederHash);
});

test('a leecher whose browser storage is too small for the file says so before downloading', async ({ swarm }) => {
  const seeder = await swarm.seedGenerated(4);
  const page = await swarm.openPeer('about:blank');
  // Emulate a small quota: 16 MiB, nearly used.
  await page.addInitScript(() => {
    const quota = 16 * 1024 * 1024;
    Object.defineProperty(navigator.storage, 'estimate', {
      value: async () => ({ quota, usage: quota - 1024 * 1024 }),
    });
  });
  await page.goto(seeder.link);
  await waitForMesh([seeder.page, page]);
  await startRun(seeder.page);
  await expect(page.getByTestId('swarm-error')).toContainText('browser storage');
  await expect(page.getByTestId('swarm-error')).toContainText('only 1.0 MiB is free');
  expect((await readPeerState(page)).downloadedBytes).toBe(0);
});

test('Save of a completed large file yields the seeder’s SHA-256', async ({ swarm }) => {
  // Larger than MAX_WEBCRYPTO_WHOLE_FILE_BYTES (16 MiB): the leecher hashes its file streamed from storage, with
  // a pause after its first 16 MiB.
  const seeder = await swarm.seedGenerated(24);
  const seederHash = await waitForFileHash(seeder.page);
  const leecher = await swarm.openPeer(seeder.link);
  await waitForMesh([seeder.page, leecher]);
  await startRun(seeder.page);
  expect((await waitForComplete(leecher)).fileSha256).toBe(seederHash);

  // Pressed by keyboard: the button keeps the focus while the file is prepared (disabled meanwhile, it lost it to the
  // page's body, sending a keyboard user back to the top).
  const download = leecher.waitForEvent('download');
  await leecher.getByTestId('save').focus();
  await leecher.keyboard.press('Enter');
  const saved = await (await download).path();
  expect(await savedFileSha256(saved)).toBe(seederHash);
  await expect(leecher.getByTestId('save')).toBeFocused();
});
