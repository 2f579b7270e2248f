import { readPeerState } from '@swarmlab/test-kit/browser';
import { expect, startRun, test, waitForMesh, tabTo, watchPageErrors } from './fixtures';
import { joinStandIns } from './stand-in-members';

/**
 * The overview as a projector shows it (issue #11): at 1920×1080, every peer's card inside the viewport
 * without scrolling. Chromium pages are costly on two cores, so a few real tabs run a real run and the rest
 * of the classroom are signalling-only stand-ins (`stand-in-members.ts`) that only fill cards; set
 * `SWARMLAB_PROJECTOR_PEERS` (default 40) to the classroom's size. The screenshots are kept as artefacts.
 */
const PEERS = Number(process.env['SWARMLAB_PROJECTOR_PEERS'] ?? 40);
/** Real tabs: the seeder and these leechers move real chunks, so the clock and the map have something to show. */
const REAL_LEECHERS = 3;
const VIEWPORT = { width: 1920, height: 1080 };

test(`the overview shows ${PEERS} peers’ cards inside a 1920×1080 screen, the clock racing the bounds and the flows on the map`, async ({
  swarm,
  browser,
  baseURL,
  pageErrors,
  pageWarnings,
}, testInfo) => {
  const seeder = await swarm.seedGenerated(4, '?mode=p2p&server-up=500kB/s&peer-up=500kB/s');
  const leechers = await Promise.all(Array.from({ length: REAL_LEECHERS }, () => swarm.openPeer(seeder.link)));
  await waitForMesh([seeder.page, ...leechers]);
  const standIns = await joinStandIns(baseURL!, seeder.link, Math.max(0, PEERS - 1 - REAL_LEECHERS));
  try {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const overview = await context.newPage();
    watchPageErrors(overview, pageErrors, pageWarnings.seen);
    await overview.goto((await seeder.page.getByTestId('overview-link').getAttribute('href')) ?? 'missing');
    const cards = overview.getByTestId('projector-card');
    await expect(cards).toHaveCount(PEERS);
    // The share link under the projector is a field to copy, no link to follow: followed, it made this screen (or a
    // new tab of the teacher's laptop) a member of the swarm, a participant of the run going on.
    await expect(overview.getByTestId('overview-share-link')).toHaveValue(/#\/swarm\//);
    await expect(overview.locator('a[href*="#/swarm/"]')).toHaveCount(0);

    /** Every card, and the page itself, within the viewport: nothing to scroll to. */
    const assertAllInside = async (): Promise<void> => {
      for (const [index, box] of (await Promise.all((await cards.all()).map((card) => card.boundingBox()))).entries()) {
        expect(box, `card ${index}`).not.toBeNull();
        expect(box!.x, `card ${index} left`).toBeGreaterThanOrEqual(0);
        expect(box!.y, `card ${index} top`).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width, `card ${index} right`).toBeLessThanOrEqual(VIEWPORT.width);
        expect(box!.y + box!.height, `card ${index} bottom`).toBeLessThanOrEqual(VIEWPORT.height);
      }
      const projector = await overview.getByTestId('projector').boundingBox();
      expect(projector!.height).toBeLessThanOrEqual(VIEWPORT.height);
      // Big enough to see single chunks arrive.
      expect(Number(await overview.locator('ul[data-cell-px]').getAttribute('data-cell-px'))).toBeGreaterThanOrEqual(3);
      // The map shows every peer, inside the screen, no node on top of another (at 40 they used to touch).
      const map = await overview.getByTestId('swarm-map').boundingBox();
      expect(map!.y + map!.height).toBeLessThanOrEqual(VIEWPORT.height);
      const circles = await overview.locator('[data-testid="map-node"] circle').evaluateAll((nodes) =>
        nodes.map((node) => {
          const [x, y, r] = ['cx', 'cy', 'r'].map((name) => Number(node.getAttribute(name)));
          // Its outline reaches half the stroke beyond the radius.
          return { x: x!, y: y!, outer: r! + parseFloat(getComputedStyle(node).strokeWidth) / 2 };
        }),
      );
      expect(circles).toHaveLength(PEERS);
      for (const [index, a] of circles.entries())
        for (const b of circles.slice(index + 1))
          expect(Math.hypot(b.x - a.x, b.y - a.y), 'map nodes apart').toBeGreaterThan(a.outer + b.outer);
    };

    // Waiting: the way in is shown big.
    await expect(overview.getByTestId('join-invite')).toBeVisible();
    await expect(overview.getByTestId('overview-join-code')).toHaveText(/^[A-Z0-9]{3}-[A-Z0-9]{3}$/);
    await assertAllInside();
    await overview.screenshot({ path: testInfo.outputPath(`projector-${PEERS}-waiting.png`) });

    // Running: the clock races the bounds, and the map draws who sends to whom (leechers upload too in p2p).
    await startRun(overview);
    // The drawer the run was started from folds away on its own, off the cards.
    await expect(overview.getByTestId('start-run')).toBeHidden();
    expect(await overview.getByTestId('run-drawer').evaluate((drawer) => (drawer as HTMLDetailsElement).open)).toBe(
      false,
    );
    await expect(overview.getByTestId('join-invite')).toHaveCount(0);
    await expect(overview.getByTestId('race-clock')).toBeVisible();
    await expect(overview.getByTestId('race-clock')).not.toHaveAttribute('data-dp2p-sec', '');
    await expect.poll(async () => overview.getByTestId('map-edge').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    const leecherIds = new Set(
      await Promise.all(leechers.map(async (page) => (await readPeerState(page)).peerId ?? 'missing')),
    );
    await expect
      .poll(
        async () => {
          const senders = await overview
            .getByTestId('map-edge')
            .evaluateAll((lines) => lines.map((line) => line.getAttribute('data-from')));
          return senders.some((from) => from !== null && leecherIds.has(from));
        },
        { timeout: 30_000, message: 'a leecher uploading appears on the map' },
      )
      .toBe(true);
    await assertAllInside();
    await overview.screenshot({ path: testInfo.outputPath(`projector-${PEERS}-running.png`) });

    // The run's controls are tucked away in the drawer, and reachable by keyboard (stop the run).
    await tabTo(overview, '[data-testid=run-drawer] > summary');
    await overview.keyboard.press('Enter');
    await tabTo(overview, '[data-testid=stop-run]');
    await overview.keyboard.press('Enter');
    await expect.poll(async () => (await readPeerState(overview)).run?.phase).toBe('stopped');
    await context.close();
  } finally {
    standIns.close();
  }
});

test('on smaller projectors (1280×800, 1536×864) with a long file name: no sideways scrolling, the join code whole, names and the clock readable', async ({
  swarm,
  browser,
  baseURL,
  pageErrors,
  pageWarnings,
}) => {
  // No place to break but anywhere (underscores, dots): the seeder-gone notice, which names it, pushed the page sideways.
  const name = `lecture_recording_${'of_the_whole_afternoon_'.repeat(3)}final.bin`;
  const seeder = await swarm.openPeer('/');
  await seeder
    .getByTestId('file-input')
    .setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.alloc(1024 * 1024, 7) });
  const link = await seeder.getByTestId('share-link').inputValue();
  await expect(seeder.getByTestId('share-link')).toHaveValue(/#\/swarm\//);
  const standIns = await joinStandIns(baseURL!, link, 39);
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const overview = await context.newPage();
    watchPageErrors(overview, pageErrors, pageWarnings.seen);
    // The control link, kept: it is opened again once the seeder's tab is gone.
    const controlLink = (await seeder.getByTestId('overview-link').getAttribute('href')) ?? 'missing';
    await overview.goto(controlLink);
    await expect(overview.getByTestId('projector-card')).toHaveCount(40);
    const sizes = [
      { width: 1280, height: 720 },
      { width: 1280, height: 800 },
      { width: 1536, height: 864 },
    ];

    /** Nothing to scroll to sideways, and every card's name given a line of its own (not an ellipsis). */
    const assertFits = async (width: number): Promise<void> => {
      expect(await overview.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      const nameWidths = await overview
        .getByTestId('card-name')
        .evaluateAll((names) => names.map((element) => element.getBoundingClientRect().width));
      expect(Math.min(...nameWidths)).toBeGreaterThanOrEqual(60);
      // Each card has room for about 8 ems of text (card-layout.ts): 40 cards at 1280×720 were 35–116 px wide.
      const cardWidths = await overview
        .getByTestId('projector-card')
        .evaluateAll((cards) => cards.map((element) => element.getBoundingClientRect().width));
      expect(Math.min(...cardWidths)).toBeGreaterThanOrEqual(120);
    };
    for (const size of sizes) {
      await overview.setViewportSize(size);
      await assertFits(size.width);
      // The code the class types in, whole on the screen (it overflowed its column between 1,241 and 1,700 px).
      const code = (await overview.getByTestId('overview-join-code').boundingBox())!;
      const side = (await overview.locator('aside').boundingBox())!;
      expect(code.x + code.width).toBeLessThanOrEqual(side.x + side.width);
    }

    await startRun(overview);
    for (const size of sizes) {
      await overview.setViewportSize(size);
      await assertFits(size.width);
      // The long name gave way: the clock keeps a bar to race on, clear of the full-screen button.
      const clock = (await overview.getByTestId('race-clock').boundingBox())!;
      const button = (await overview.getByTestId('fullscreen').boundingBox())!;
      expect(clock.width).toBeGreaterThanOrEqual(400);
      expect(clock.x + clock.width).toBeLessThanOrEqual(button.x);
      await expect(overview.getByTestId('file-name')).toHaveAttribute('title', name);
    }

    // A student's phone on the swarm: the notice that the seeder left names the file, which has no place to break.
    const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const phone = await phoneContext.newPage();
    watchPageErrors(phone, pageErrors, pageWarnings.seen);
    await phone.goto(link);
    await expect.poll(async () => (await readPeerState(phone)).peerId).toBeDefined();

    // The seeder's tab closes: "nobody seeds" shows on the projector (it may be full screen), in a row of its
    // own, over neither the clock nor any card, every card still on the screen.
    await seeder.context().close();
    const gone = overview.getByTestId('projector').getByTestId('seeder-gone');
    await expect(gone).toBeVisible();
    // The seeder's card gone, the phone's come.
    await expect(overview.getByTestId('projector-card')).toHaveCount(40);
    await assertFits(sizes.at(-1)!.width);
    // On the phone too, without sideways scrolling (the notice ran past the screen's edge).
    await expect(phone.getByTestId('seeder-gone')).toContainText(name.slice(0, 20));
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phoneContext.close();
    const [goneBox, clockBox] = [
      (await gone.boundingBox())!,
      (await overview.getByTestId('race-clock').boundingBox())!,
    ];
    expect(goneBox.y).toBeGreaterThanOrEqual(clockBox.y + clockBox.height);
    // Read in one go: the phone's card goes as its tab closes, and a card read one by one (`all()`, then each box)
    // could be gone by its turn, its box waited for until the test timed out.
    const cardBoxes = await overview
      .getByTestId('projector-card')
      .evaluateAll((cards) => cards.map((card) => card.getBoundingClientRect().toJSON() as DOMRect));
    expect(cardBoxes.length).toBeGreaterThanOrEqual(39);
    for (const box of cardBoxes) {
      expect(box.y).toBeGreaterThanOrEqual(goneBox.y + goneBox.height);
      expect(box.y + box.height).toBeLessThanOrEqual(sizes.at(-1)!.height);
    }

    // The same control link in a browser without WebRTC says why it cannot seed the swarm, and offers nothing
    // that would fail (opened as a peer, it failed at once, and "Back to this swarm" failed again).
    const withoutWebRtc = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await withoutWebRtc.addInitScript(() => {
      Reflect.deleteProperty(window, 'RTCPeerConnection');
    });
    const blocked = await withoutWebRtc.newPage();
    watchPageErrors(blocked, pageErrors, pageWarnings.seen);
    await blocked.goto(controlLink);
    await expect(blocked.getByTestId('seed-here-blocked')).toContainText('cannot make WebRTC connections');
    await expect(blocked.getByTestId('seed-here')).toHaveCount(0);
    await withoutWebRtc.close();

    // The creator's tab is gone, and this screen holds the control link: it seeds the swarm again itself, as a
    // peer of it (the text sent the teacher to the closed tab).
    await gone.getByTestId('seed-here').click();
    await overview
      .getByTestId('reseed-file')
      .setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.alloc(1024 * 1024, 7) });
    await expect(overview.getByTestId('seeder-gone')).toHaveCount(0, { timeout: 30_000 });
    await context.close();
  } finally {
    standIns.close();
  }
});
