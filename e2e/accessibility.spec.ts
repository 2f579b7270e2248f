import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { readPeerState } from '@swarmlab/test-kit/browser';
import { expect, startRun, test, waitForMesh, waitForRunFinished, tabTo, watchPageErrors } from './fixtures';

/**
 * axe-core on every screen a classroom sees (issue #11): the start page, a peer's page, and the overview
 * waiting, running and finished. No violation of serious or critical impact may remain; the report of each
 * is kept as an artefact.
 */
async function seriousViolations(page: Page, name: string, testInfo: import('@playwright/test').TestInfo) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  await testInfo.attach(`axe-${name}.json`, {
    body: JSON.stringify(results.violations, null, 2),
    contentType: 'application/json',
  });
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
}

test('the start page has no serious or critical accessibility violation', async ({ swarm }, testInfo) => {
  const page = await swarm.openPeer('/');
  await expect(page.getByTestId('generate')).toBeVisible();
  expect(await seriousViolations(page, 'start', testInfo)).toEqual([]);
});

test('a peer’s page and the overview, waiting, running and finished, have none either; the run starts and stops by keyboard', async ({
  swarm,
}, testInfo) => {
  // Slow enough (u_s = 50 kB/s for 2 MiB: 42 s at least) to be looked at while it runs, whatever two axe scans, a
  // pause and a Tab walk take on a loaded machine: at 250 kB/s (8.4 s) the run could finish before its Stop.
  const seeder = await swarm.seedGenerated(2, '?mode=p2p&server-up=50kB/s&peer-up=50kB/s');
  // The Generate button went with the start page: the focus is on the new view's heading, not left on the body.
  await expect(seeder.page.locator('main h1')).toBeFocused();
  const leecher = await swarm.openPeer(seeder.link);
  await waitForMesh([seeder.page, leecher]);
  // Tabs in a row tell their parts apart by their titles.
  await expect(seeder.page).toHaveTitle(/^Seeding: .+ — swarmlab$/);
  await expect(leecher).toHaveTitle(/^Downloading: .+ — swarmlab$/);
  await expect(seeder.page.getByTestId('status-announced')).toHaveText('Seeding; waiting for a run to start');
  await expect(leecher.getByTestId('waiting')).toBeVisible();
  expect(await seriousViolations(leecher, 'peer-waiting', testInfo)).toEqual([]);

  const overview = await swarm.openPeer(
    (await seeder.page.getByTestId('overview-link').getAttribute('href')) ?? 'missing',
  );
  await expect(overview.getByTestId('projector')).toBeVisible();
  await expect(overview.getByTestId('join-invite')).toBeVisible();
  await expect(overview).toHaveTitle(/^Overview: .+ — swarmlab$/);
  expect(await seriousViolations(overview, 'overview-waiting', testInfo)).toEqual([]);

  // Started by keyboard alone: Tab to the drawer, open it, Tab to the start button, press Enter.
  await tabTo(overview, '[data-testid=run-drawer] > summary');
  await overview.keyboard.press('Enter');
  await tabTo(overview, '[data-testid=start-run]');
  await overview.keyboard.press('Enter');
  await expect.poll(async () => (await readPeerState(overview)).run?.phase).toBe('running');
  await expect(overview.getByTestId('race-clock')).toBeVisible();
  // The drawer folds away off the cards as the run starts, and the focus, lost with the button, is on its summary.
  await expect(overview.getByTestId('start-run')).toBeHidden();
  await expect(overview.locator('[data-testid=run-drawer] > summary')).toBeFocused();
  expect(await seriousViolations(overview, 'overview-running', testInfo)).toEqual([]);
  expect(await seriousViolations(leecher, 'peer-running', testInfo)).toEqual([]);
  // What a screen reader is told while the run goes on: the state, once, never the figures that change twice a
  // second (a live region holding them was read without pause).
  const liveRegions = leecher.locator('[role=status], [aria-live=polite], [aria-live=assertive]');
  const announced = async (): Promise<string> => (await liveRegions.allTextContents()).join(' | ');
  await expect(leecher.getByTestId('status-announced')).toHaveText('Downloading in run 1');
  // The run's start, on the screens with no download of their own to announce.
  await expect(overview.getByTestId('run-announced')).toHaveText('Run 1 (peer-to-peer) started');
  await expect(seeder.page.getByTestId('status-announced')).toHaveText('Seeding');
  await expect(seeder.page.getByTestId('run-announced')).toHaveText('Run 1 (peer-to-peer) started');
  await expect(leecher.getByTestId('run-announced')).toHaveText('');
  const before = await announced();
  await leecher.waitForTimeout(1200);
  expect(await announced()).toBe(before);
  expect(before).not.toMatch(/[kM]B\/s|chunks/);

  // Every text the leecher's status region takes from now on (a passing one included, which an assertion that
  // retries would not see).
  await leecher.getByTestId('status-announced').evaluate((region) => {
    const texts: string[] = [];
    (window as unknown as { statusTexts: string[] }).statusTexts = texts;
    new MutationObserver(() => texts.push(region.textContent ?? '')).observe(region, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  // Stopped by keyboard (the drawer opened again from its summary), then a run that finishes.
  await overview.keyboard.press('Enter');
  await tabTo(overview, '[data-testid=stop-run]');
  await overview.keyboard.press('Space');
  await expect.poll(async () => (await readPeerState(overview)).run?.phase).toBe('stopped');
  // The focus stays on the button, unavailable now: disabled, it sent the focus to the page's body (the top).
  await expect(overview.getByTestId('stop-run')).toBeFocused();
  await expect(overview.getByTestId('stop-run')).toHaveAttribute('aria-disabled', 'true');
  for (const page of [overview, seeder.page, leecher])
    await expect(page.getByTestId('run-announced')).toHaveText('Run 1 (peer-to-peer) stopped');
  await startRun(overview, { serverUp: '1MB/s', peerUp: '1MB/s' });
  await waitForRunFinished(overview, 120_000);
  await expect(overview.getByTestId('race-clock')).toContainText('Finished in');
  // Its end with its result, once: the time and the ratio the summary shows.
  const summary = overview.getByTestId('run-summary');
  const ratio =
    Number(await summary.getAttribute('data-measured-sec')) / Number(await summary.getAttribute('data-dp2p-sec'));
  for (const page of [overview, leecher])
    await expect(page.getByTestId('run-announced')).toHaveText(
      new RegExp(`^Run 2 \\(peer-to-peer\\) finished in [0-9.]+ s, ${ratio.toFixed(2)} times the peer-to-peer bound$`),
    );
  await expect(leecher).toHaveTitle(/^Downloaded: .+ — swarmlab$/);
  // The stop was said once on the leecher's page, by the run's region: its own state never said it, not even for a
  // moment, nor again as the next run began.
  const statusTexts = await leecher.evaluate(() => (window as unknown as { statusTexts: string[] }).statusTexts);
  expect(statusTexts.some((text) => text.includes('Downloading in run 2'))).toBe(true);
  expect(statusTexts.filter((text) => text.includes('stopped'))).toEqual([]);
  expect(await seriousViolations(overview, 'overview-finished', testInfo)).toEqual([]);
  expect(await seriousViolations(leecher, 'peer-finished', testInfo)).toEqual([]);
});

test('a leecher’s page and the overview fit a phone: no sideways scrolling at 390×844, touch targets of 44 px, the join code under its QR code', async ({
  swarm,
  browser,
  pageErrors,
  pageWarnings,
}) => {
  const seeder = await swarm.seedGenerated(1);
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const phone = await context.newPage();
  watchPageErrors(phone, pageErrors, pageWarnings.seen);
  await phone.goto(seeder.link);
  await expect(phone.getByTestId('waiting')).toBeVisible();
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  // A name with no place to break (32 characters, the most a name has) wraps in the swarm table: it widened the page.
  const longName = 'W'.repeat(32);
  await phone.getByTestId('display-name').fill(longName);
  await phone.getByTestId('display-name-save').click();
  await expect(phone.getByTestId('swarm-peer').filter({ hasText: longName })).toHaveCount(1);
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const smallTargets = await phone.evaluate(() =>
    Array.from(document.querySelectorAll('button, summary, input:not([type=checkbox]):not([type=radio]), select'))
      .filter((element) => (element as HTMLElement).offsetParent !== null)
      .filter((element) => element.getBoundingClientRect().height < 44)
      .map((element) => element.outerHTML.slice(0, 80)),
  );
  expect(smallTargets).toEqual([]);
  await expect(phone.getByTestId('status')).toBeVisible();

  // The overview too, as a teacher walking the room holds it up: the code under its QR code, full width.
  const overviewHref = (await seeder.page.getByTestId('overview-link').getAttribute('href')) ?? 'missing';
  await phone.goto(new URL(overviewHref, seeder.link).toString());
  await expect(phone.getByTestId('overview-join-code')).toBeVisible();
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const qr = (await phone.getByTestId('overview-qr').boundingBox())!;
  const code = (await phone.getByTestId('overview-join-code').boundingBox())!;
  expect(code.y).toBeGreaterThanOrEqual(qr.y + qr.height);
  expect(code.width).toBeGreaterThan(300);
  await context.close();
});

/*
 * A button the page removes or disables as it is pressed took the keyboard's focus with it, to the page's body: a
 * keyboard or screen-reader user was sent back to the top, with nothing said (found by review). The focus goes to
 * something that stays, pressed by keyboard as such a user does.
 */
test.describe('a button that goes as it is pressed hands the focus on', () => {
  test('“Start without these settings”: to the start page’s heading', async ({ swarm }) => {
    const page = await swarm.openPeer('/?server-up=0');
    await expect(page.getByTestId('start-error')).toBeVisible();
    await page.getByTestId('start-without-settings').press('Enter');
    await expect(page.getByTestId('start-without-settings')).toHaveCount(0);
    await expect(page.getByTestId('start-view').locator('h1')).toBeFocused();
  });

  test('“Forget all runs”: to the history’s heading in a swarm, to the start page’s heading where the history goes', async ({
    swarm,
  }) => {
    const seeder = await swarm.seedGenerated(1);
    const leecher = await swarm.openPeer(seeder.link);
    await waitForMesh([seeder.page, leecher]);
    const keepOneRun = async (): Promise<void> => {
      await startRun(seeder.page);
      await waitForRunFinished(seeder.page);
      await expect(seeder.page.getByTestId('run-record')).toHaveCount(1);
    };
    const forgetAll = async (): Promise<void> => {
      seeder.page.once('dialog', (dialog) => void dialog.accept());
      await seeder.page.getByTestId('clear-runs').press('Enter');
      await expect(seeder.page.getByTestId('run-record')).toHaveCount(0);
    };

    // In the swarm the panel stays, its button disabled with no run left.
    await keepOneRun();
    await forgetAll();
    await expect(seeder.page.getByTestId('clear-runs')).toBeDisabled();
    await expect(seeder.page.locator('#history-heading')).toBeFocused();

    // On the start page the panel goes with the last run.
    await keepOneRun();
    await seeder.page.getByTestId('leave').click();
    await expect(seeder.page.getByTestId('start-view').getByTestId('run-record')).toHaveCount(1);
    await forgetAll();
    await expect(seeder.page.getByTestId('run-history')).toHaveCount(0);
    await expect(seeder.page.getByTestId('start-view').locator('h1')).toBeFocused();
  });

  test('“Forget all runs” on an overview whose swarm ended: to the overview’s heading, the history going with its runs', async ({
    swarm,
  }) => {
    const seeder = await swarm.seedGenerated(1);
    const leecher = await swarm.openPeer(seeder.link);
    await waitForMesh([seeder.page, leecher]);
    const overview = await swarm.openPeer(
      (await seeder.page.getByTestId('overview-link').getAttribute('href')) ?? 'missing',
    );
    await expect(overview.getByTestId('projector')).toBeVisible();
    await startRun(seeder.page);
    await waitForRunFinished(overview);
    await expect(overview.getByTestId('run-record')).toHaveCount(1);
    // Every tab leaves on purpose, as at the end of a class (the leecher's file unsaved: it confirms): the swarm ends
    // with the last, and the overview keeps its run.
    await seeder.page.getByTestId('leave').click();
    await expect(seeder.page.getByTestId('start-view')).toBeVisible();
    leecher.once('dialog', (dialog) => void dialog.accept());
    await leecher.getByTestId('leave').click();
    await expect(overview.getByTestId('swarm-error')).toContainText('This swarm has ended', { timeout: 15_000 });
    await expect(overview.getByTestId('run-record')).toHaveCount(1);

    overview.once('dialog', (dialog) => void dialog.accept());
    await overview.getByTestId('clear-runs').press('Enter');
    await expect(overview.getByTestId('run-history')).toHaveCount(0);
    await expect(overview.getByTestId('overview').locator('h1')).toBeFocused();
  });

  test('“Use this u_s for the seeder”: to the u_s field, once the note goes with the seeder’s own link', async ({
    swarm,
  }) => {
    const seeder = await swarm.seedGenerated(1);
    // The seeder's own row (the only one) caps its upload; the form's u_s has no cap.
    await seeder.page.getByTestId('edit-peer').first().click();
    await seeder.page.getByTestId('peer-cap-up').fill('1MB/s');
    await seeder.page.getByTestId('peer-cap-up').press('Enter');
    await expect(seeder.page.getByTestId('peer-error')).toHaveCount(0);
    await expect(seeder.page.getByTestId('seeder-own-link')).toContainText('us = 1.00 MB/s');
    await seeder.page.getByTestId('seeder-own-link-clear').press('Enter');
    await expect(seeder.page.getByTestId('seeder-own-link')).toHaveCount(0);
    await expect(seeder.page.getByTestId('cap-server-up')).toBeFocused();
  });
});
