import { startHeadlessCrowd, type HeadlessCrowd } from '@swarmlab/peer';
import { readPeerState } from '@swarmlab/test-kit/browser';
import {
  expect,
  startRun,
  test,
  waitForComplete,
  waitForFileHash,
  waitForMesh,
  waitForRunFinished,
  watchPageErrors,
} from './fixtures';

/**
 * A classroom (issue #11): a few Chromium pages (the seeder, two students' tabs, the projector's overview) and
 * the rest headless peers (the same engine in Node over @roamhq/wrtc, five per process), since a class of pages
 * does not fit on two cores. A shaped p2p run and a client-server run; every peer ends both with the seeder's
 * bytes; the projector shows every card inside 1920×1080.
 *
 * The suite runs 16 peers (three crowd processes: the same path as forty, in a quarter of the time); the full class of 40
 * is `bench classroom`'s, and `SWARMLAB_CLASSROOM_PEERS=40` runs this test at that size. `projector.spec.ts`
 * checks forty cards on the screen.
 */
const PEERS = Number(process.env['SWARMLAB_CLASSROOM_PEERS'] ?? 16);
const TAB_LEECHERS = 2;
const VIEWPORT = { width: 1920, height: 1080 };

test(`a classroom of ${PEERS} peers runs p2p and client-server, every peer ending with the seeder’s bytes, all on one projector screen`, async ({
  swarm,
  browser,
  pageErrors,
  pageWarnings,
}, testInfo) => {
  test.setTimeout(360_000);
  // F = 1 MiB, u_s = 4 MB/s, u_i = 1 MB/s: D_cs = (PEERS − 1)·F/u_s (4 s for 16 peers, 10 s for 40), D_p2p ≈ 1 s.
  const seeder = await swarm.seedGenerated(1, '?mode=p2p&server-up=4MB/s&peer-up=1MB/s');
  const seederHash = await waitForFileHash(seeder.page);
  // One student's tab follows the link; the other types the code the teacher's screen shows, as a class does: in
  // lower case, without its dash, after a mistyped one.
  const tabs = [await swarm.openPeer(seeder.link), await swarm.openPeer('/')];
  const code = (await seeder.page.getByTestId('join-code-shown').innerText()).trim();
  expect(code).toMatch(/^[A-Z0-9]{3}-[A-Z0-9]{3}$/);
  const byCode = tabs[1]!;
  const wrong = code.startsWith('Z') ? 'YYY-YYY' : 'ZZZ-ZZZ';
  await byCode.getByTestId('join-code').fill(wrong);
  await byCode.getByTestId('join-code-submit').click();
  await expect(byCode.getByTestId('join-code-error')).toContainText('No swarm has this code');
  await expect(byCode.getByTestId('start-view')).toBeVisible();
  await byCode.getByTestId('join-code').fill(code.replace('-', '').toLowerCase());
  await byCode.getByTestId('join-code-submit').click();
  await expect.poll(() => new URL(byCode.url()).hash).toBe(new URL(seeder.link).hash);
  await waitForMesh([seeder.page, ...tabs]);
  let crowd: HeadlessCrowd | undefined;
  try {
    const failures: string[] = [];
    crowd = await startHeadlessCrowd({
      swarmLink: seeder.link,
      count: PEERS - 1 - TAB_LEECHERS,
      onMessage: (message) => {
        if (message.type === 'failed') failures.push(message.message);
      },
    });
    const context = await browser.newContext({ viewport: VIEWPORT });
    const overview = await context.newPage();
    watchPageErrors(overview, pageErrors, pageWarnings.seen);
    await overview.goto((await seeder.page.getByTestId('overview-link').getAttribute('href')) ?? 'missing');
    const cards = overview.getByTestId('projector-card');
    await expect(cards).toHaveCount(PEERS, { timeout: 60_000 });

    /** Every card inside the screen: nothing to scroll to. */
    const assertAllInside = async (): Promise<void> => {
      const boxes = await Promise.all((await cards.all()).map((card) => card.boundingBox()));
      for (const [index, box] of boxes.entries()) {
        expect(box, `card ${index}`).not.toBeNull();
        expect(box!.x).toBeGreaterThanOrEqual(0);
        expect(box!.y).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width, `card ${index} right`).toBeLessThanOrEqual(VIEWPORT.width);
        expect(box!.y + box!.height, `card ${index} bottom`).toBeLessThanOrEqual(VIEWPORT.height);
      }
    };
    await assertAllInside();
    // Every student connects to the seeder (in client-server it is the only one that uploads), retrying a
    // connection a busy machine let time out.
    await expect
      .poll(async () => (await readPeerState(seeder.page)).connectedPeers, { timeout: 120_000, intervals: [500] })
      .toBe(PEERS - 1);

    const everyoneHas = async (runNumber: number): Promise<void> => {
      for (const page of tabs) expect((await waitForComplete(page)).fileSha256).toBe(seederHash);
      const hashes = await expect
        .poll(() => crowd!.completedRun(runNumber)?.size ?? 0, { timeout: 120_000 })
        .toBe(PEERS - 1 - TAB_LEECHERS)
        .then(() => crowd!.completedRun(runNumber)!);
      expect(new Set(hashes.values())).toEqual(new Set([seederHash]));
      // Each run's, through its last completion: the client-server run's were never checked (found by review).
      expect(failures, 'failures of the headless peers').toEqual([]);
    };

    await startRun(seeder.page);
    const p2p = await waitForRunFinished(seeder.page, 180_000);
    expect(failures).toEqual([]);
    expect(p2p.run).toMatchObject({ mode: 'p2p', leechers: PEERS - 1 });
    await everyoneHas(p2p.run!.runNumber);
    await assertAllInside();
    await overview.screenshot({ path: testInfo.outputPath(`classroom-${PEERS}-p2p.png`) });

    await startRun(seeder.page, { mode: 'client-server' });
    const cs = await waitForRunFinished(seeder.page, 180_000);
    expect(cs.run).toMatchObject({ mode: 'client-server', leechers: PEERS - 1 });
    expect(cs.run!.runNumber).toBe(p2p.run!.runNumber + 1);
    await everyoneHas(cs.run!.runNumber);
    // In client-server only the seeder uploads.
    for (const page of tabs) expect((await readPeerState(page)).uploadedBytes).toBe(0);
    await assertAllInside();
    await overview.screenshot({ path: testInfo.outputPath(`classroom-${PEERS}-client-server.png`) });
    await context.close();
  } finally {
    await crowd?.close();
  }
});
