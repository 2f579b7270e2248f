import type { Page } from '@playwright/test';
import { readPeerState, releaseTestDelays } from '@swarmlab/test-kit/browser';
import {
  countBits,
  expect,
  startRun,
  test,
  unionHex,
  waitForComplete,
  waitForFileHash,
  waitForMesh,
  savedFileSha256,
  waitForRunFinished,
} from './fixtures';

test('a seeder and four leechers: two runs over the same connections, all ending with the seeder’s SHA-256', async ({
  swarm,
}) => {
  const seeder = await swarm.seedGenerated(8);
  const seederHash = await waitForFileHash(seeder.page);

  const leechers = await Promise.all([1, 2, 3, 4].map(() => swarm.openPeer(seeder.link)));
  await waitForMesh([seeder.page, ...leechers]);
  // Every WebRTC connection a tab opens from now on is counted: the two runs must need none.
  for (const page of [seeder.page, ...leechers]) await countNewPeerConnections(page);
  // Nothing moves before a run starts, however long the swarm waits.
  await expect(leechers[0]!.getByTestId('waiting')).toBeVisible();
  await leechers[0]!.waitForTimeout(2000);
  for (const page of leechers) {
    const state = await readPeerState(page);
    expect([state.chunksHeld, state.downloadedBytes]).toEqual([0, 0]);
  }
  expect((await readPeerState(seeder.page)).uploadedBytes).toBe(0);

  // A leecher cannot run the experiment (only the swarm's creator and its control link can): no run form.
  await expect(leechers[2]!.getByTestId('run-controls-locked')).toBeVisible();
  await expect(leechers[2]!.getByTestId('start-run')).toHaveCount(0);
  // Run 1 from the seeder's tab: altruistic peers stay after completing.
  await startRun(seeder.page);
  const finals = await Promise.all(leechers.map((page) => waitForComplete(page)));
  for (const [index, state] of finals.entries()) {
    expect(state.fileSha256, `leecher ${index}`).toBe(seederHash);
    expect(state.chunksHeld).toBe(32);
    expect(state.leftRun).toBe(false);
    await expect(leechers[index]!.getByTestId('own-bitmap')).toHaveAttribute('data-held', '32');
    await expect(leechers[index]!.getByTestId('file-sha256')).toHaveText(seederHash!);
  }
  // Leechers download from each other too, not only from the seeder.
  expect(finals.reduce((sum, state) => sum + state.uploadedBytes, 0)).toBeGreaterThan(0);
  // Every tab sees the whole swarm and, once all are complete, the measured distribution time.
  const run1 = await waitForRunFinished(seeder.page);
  expect(run1.run?.leechers).toBe(4);
  expect(run1.run?.completedAfterMs.every((ms) => ms !== null && ms > 0)).toBe(true);
  await expect(seeder.page.getByTestId('run-n')).toContainText('4');
  await expect(seeder.page.getByTestId('run-measured')).toContainText(' s');
  // All four were there at the start: none counts as late (each read a clock of its own a fraction of a ms later).
  await expect(seeder.page.getByTestId('run-late')).toHaveCount(0);
  await expect(leechers[0]!.getByTestId('run-dp2p')).not.toHaveText('—');

  // Run 2, selfish: every leecher starts empty again, completes, and leaves the run.
  const run2 = await startRun(seeder.page, { selfish: true });
  expect(run2).toBe(2);
  const again = await Promise.all(leechers.map((page) => waitForComplete(page, { runNumber: run2 })));
  for (const state of again) {
    expect(state.fileSha256).toBe(seederHash);
    expect(state.runNumber).toBe(2);
  }
  for (const page of leechers) await expect.poll(async () => (await readPeerState(page)).leftRun).toBe(true);
  expect((await waitForRunFinished(leechers[1]!, { runNumber: run2 })).run?.runNumber).toBe(2);
  // Both runs went over the connections the mesh made before them: a 40-tab class does not make 780 again at Start.
  for (const page of [seeder.page, ...leechers])
    expect(await page.evaluate(() => window.swarmlabNewConnections)).toBe(0);
  // And the count counts: a newcomer costs each tab one.
  const newcomer = await swarm.openPeer(seeder.link);
  await waitForMesh([seeder.page, ...leechers, newcomer]);
  for (const page of [seeder.page, ...leechers])
    expect(await page.evaluate(() => window.swarmlabNewConnections)).toBe(1);

  // The header's link asks the seeder's tab first: a click meant as "home" stopped the class's seeder without a word.
  const asked: string[] = [];
  seeder.page.once('dialog', (dialog) => {
    asked.push(dialog.message());
    void dialog.dismiss();
  });
  await seeder.page.getByRole('link', { name: 'swarmlab' }).click();
  await expect.poll(() => asked.length).toBe(1);
  expect(asked[0]).toContain('This tab seeds the swarm');
  await expect(seeder.page.getByTestId('swarm-view')).toBeVisible();
  // A leecher's goes at once, unless it holds a downloaded file not saved: leaving deletes it from the browser.
  await newcomer.getByRole('link', { name: 'swarmlab' }).click();
  await expect(newcomer.getByTestId('swarm-view')).toHaveCount(0);
  const complete = leechers[0]!;
  complete.once('dialog', (dialog) => {
    asked.push(dialog.message());
    void dialog.dismiss();
  });
  await complete.getByTestId('leave').click();
  await expect.poll(() => asked.length).toBe(2);
  expect(asked[1]).toContain('not saved yet');
  await expect(complete.getByTestId('swarm-view')).toBeVisible();
});

declare global {
  interface Window {
    swarmlabNewConnections?: number;
  }
}

/** Counts the `RTCPeerConnection`s the page makes from now on (simple-peer looks the constructor up for each peer). */
async function countNewPeerConnections(page: Page): Promise<void> {
  await page.evaluate(() => {
    window.swarmlabNewConnections = 0;
    const Original = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Original {
      constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
        super(...args);
        window.swarmlabNewConnections! += 1;
      }
    };
  });
}

test('a late joiner completes after the seeder has left once the swarm held every chunk', async ({ swarm }) => {
  // Capped peer uploads keep the run going for several seconds after the seeder leaves, so that the
  // newcomer joins a running run: u_s = 2 MB/s covers 4 MiB in about 2 s, then the two early leechers
  // still swap what each lacks at 100 kB/s (at 500 kB/s, 4 s: a loaded machine opened the newcomer's page after
  // the run had finished; at 200 kB/s a loaded CI machine did too, the run over in 7.3 s).
  const seeder = await swarm.seedGenerated(4, '?server-up=2MB/s&peer-up=100kB/s');
  const seederHash = await waitForFileHash(seeder.page);
  const early = await Promise.all([1, 2].map(() => swarm.openPeer(seeder.link)));
  await waitForMesh([seeder.page, ...early]);
  await startRun(seeder.page);

  const swarmChunks = async (): Promise<number> =>
    countBits(unionHex(await Promise.all(early.map(async (page) => (await readPeerState(page)).bitsHex))));
  await expect.poll(swarmChunks, { timeout: 60_000, intervals: [100] }).toBe(16);
  await seeder.page.context().close();

  // The run goes on without the seeder; a newcomer takes part in it at once.
  const late = await swarm.openPeer(seeder.link);
  const finals = await Promise.all([...early, late].map((page) => waitForComplete(page)));
  for (const state of finals) expect(state.fileSha256).toBe(seederHash);
  expect((await readPeerState(late)).runNumber).toBe(1);
  // Counted in N, timed from the start: the run's summary says it came late.
  await expect(early[0]!.getByTestId('run-late')).toContainText('1 joined after the start');
});

test('a leecher that completes first hashes its whole file once the run is over, not while others still download', async ({
  swarm,
}) => {
  const seeder = await swarm.seedGenerated(2);
  const seederHash = await waitForFileHash(seeder.page);
  const [origin, hash] = seeder.link.split('/#');
  const fast = await swarm.openPeer(seeder.link);
  // Its own link caps its download: 2 MiB at 200 kB/s takes about 10 s, the uncapped one well under 1 s.
  const slow = await swarm.openPeer(`${origin}/?down=200kB/s#${hash}`);
  await waitForMesh([seeder.page, fast, slow]);
  // Its cap reaches the server after its join: a run started before would leave it uncapped.
  await expect(seeder.page.getByTestId('peer-links').filter({ hasText: /d 200 ?kB\/s/ })).toHaveCount(1);
  // Client-server: each leecher downloads from the seeder alone. In p2p the seeder's super-seeding offers a
  // chunk to one peer and the next only once another has it, so the fast leecher could wait on the capped one
  // and complete barely before it (it did, 2 runs in 5).
  await startRun(seeder.page, { mode: 'client-server', serverUp: '' });

  await expect.poll(async () => (await readPeerState(fast)).complete, { timeout: 30_000, intervals: [100] }).toBe(true);
  await expect(fast.getByTestId('file-sha256-waits')).toBeVisible();
  expect((await readPeerState(slow)).complete, 'the capped leecher is still downloading').toBe(false);
  expect((await readPeerState(fast)).fileSha256).toBeUndefined();
  // Save does not wait for the run's end: it rewrites the chunks stored as bytes itself, and the file is whole.
  const download = fast.waitForEvent('download');
  await fast.getByTestId('save').click();
  expect(await savedFileSha256((await (await download).path())!)).toBe(seederHash);
  await expect(fast.getByTestId('save-error')).toHaveCount(0);
  await expect(fast.getByTestId('save')).toBeEnabled();

  const finals = await Promise.all([fast, slow].map((page) => waitForComplete(page, 60_000)));
  for (const state of finals) expect(state.fileSha256).toBe(seederHash);
  await expect(fast.getByTestId('file-sha256')).toHaveText(seederHash);
});

test('a run started while a tab is still joining (checking the file description) is the tab’s run too', async ({
  swarm,
}) => {
  const seeder = await swarm.seedGenerated(2);
  const seederHash = await waitForFileHash(seeder.page);
  // Its check of the swarm's file description goes on until released, as a large one hashed in JavaScript does (it
  // took 10 s more, which a loaded machine could take for the steps below).
  const joining = await swarm.openPeer(seeder.link.replace('/#', '/?test-join-check-delay-ms=60000#'));
  // It is a member as soon as the server answered its join: once the seeder's table lists it (not after a
  // guessed wait, after which a slow join would have brought the run in its answer instead), the run starts.
  await expect(seeder.page.getByTestId('swarm-peer')).toHaveCount(2);
  expect((await readPeerState(joining)).phase).toBe('connecting');
  await startRun(seeder.page);
  expect((await readPeerState(joining)).phase).toBe('connecting');
  await expect.poll(() => releaseTestDelays(joining)).toBe(1);
  const final = await waitForComplete(joining, 60_000);
  expect(final).toMatchObject({ runNumber: 1, fileSha256: seederHash });
});

test.describe('a joiner with a bad swarm link gets a clear message', () => {
  test('malformed link', async ({ swarm }) => {
    const page = await swarm.openPeer('/#/swarm/not-a-swarm/xyz');
    await expect(page.getByTestId('swarm-error')).toContainText('malformed');
  });

  test('unknown swarm', async ({ swarm }) => {
    const page = await swarm.openPeer(`/#/swarm/${'A'.repeat(22)}/${'0'.repeat(64)}`);
    // Within 30 s of the suite's server start, the page first waits for the swarm's members (it may be one of
    // the server's previous run), and then says the same.
    await expect(page.getByTestId('swarm-error')).toContainText('unknown or has ended', { timeout: 45_000 });
  });

  test('link whose content id does not match the swarm’s file', async ({ swarm }) => {
    const seeder = await swarm.seedGenerated(1);
    const tampered = seeder.link.replace(/[0-9a-f]{64}$/, 'f'.repeat(64));
    const page = await swarm.openPeer(tampered);
    await expect(page.getByTestId('swarm-error')).toContainText('does not match the link');
  });
});
