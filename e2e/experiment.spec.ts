import { readFile } from 'node:fs/promises';
import { clientServerBoundSec, p2pBoundSec } from '@swarmlab/theory';
import type { Page } from '@playwright/test';
import { readPeerState, readRunsJson } from '@swarmlab/test-kit/browser';
import { expect, startRun, test, waitForComplete, waitForFileHash, waitForMesh, waitForRunFinished } from './fixtures';

const MIB = 1024 * 1024;

/**
 * The bounds and measured time the run summary on `page` shows once it shows the latest run finished
 * (a peer's page redraws at most twice a second, so it may show the finished run a moment after the
 * hook reports it), from its data attributes.
 */
async function summaryFigures(page: Page): Promise<{ measuredSec: number; dcsSec: number; dp2pSec: number }> {
  const summary = page.getByTestId('run-summary');
  const runNumber = (await readPeerState(page)).run?.runNumber;
  await expect(summary).toHaveAttribute('data-run-number', String(runNumber));
  await expect(summary).toHaveAttribute('data-phase', 'finished');
  const read = async (name: string) => Number(await summary.getAttribute(name));
  return {
    measuredSec: await read('data-measured-sec'),
    dcsSec: await read('data-dcs-sec'),
    dp2pSec: await read('data-dp2p-sec'),
  };
}

test('shaped links: P2P beats client-server with 4 leechers, both next to the theory package’s bounds, and the export has every completion time', async ({
  swarm,
}) => {
  // F = 2 MiB, u_s = u_i = 1 MB/s: D_cs = 4F/u_s ≈ 8.4 s, D_p2p = F/u_s ≈ 2.1 s.
  const seeder = await swarm.seedGenerated(2, '?mode=client-server&server-up=1MB/s&peer-up=1MB/s');
  const leechers = await Promise.all([1, 2, 3, 4].map(() => swarm.openPeer(seeder.link)));
  await waitForMesh([seeder.page, ...leechers]);
  // A projector's overview follows the swarm without being a peer, and starts the first run.
  const overview = await swarm.openPeer(
    (await seeder.page.getByTestId('overview-link').getAttribute('href')) ?? 'missing',
  );
  await expect(overview.getByTestId('projector-card')).toHaveCount(5);

  const peerDownloadBytesPerSec = [Infinity, Infinity, Infinity, Infinity];
  const model = { peerCount: 4, fileBytes: 2 * MIB, serverUploadBytesPerSec: 1e6, peerDownloadBytesPerSec };

  const seederSha256 = await waitForFileHash(seeder.page);
  /** Every leecher stored the seeder's bytes in run `runNumber`. */
  const expectSeederFile = async (runNumber: number): Promise<void> => {
    for (const page of leechers) expect((await waitForComplete(page, { runNumber })).fileSha256).toBe(seederSha256);
  };

  const csRun = await startRun(overview); // client-server, from the link's settings
  const cs = await waitForRunFinished(seeder.page);
  expect(cs.run?.mode).toBe('client-server');
  await expectSeederFile(csRun);
  // Only the seeder uploads in client-server mode.
  for (const page of leechers) expect((await readPeerState(page)).uploadedBytes).toBe(0);
  const csFigures = await summaryFigures(overview);
  expect(csFigures.dcsSec).toBeCloseTo(clientServerBoundSec(model), 6);
  expect(csFigures.dp2pSec).toBeCloseTo(p2pBoundSec({ ...model, peerUploadBytesPerSec: [1e6, 1e6, 1e6, 1e6] }), 6);
  // Shaped: no run can beat its bound.
  expect(csFigures.measuredSec).toBeGreaterThanOrEqual(csFigures.dcsSec * 0.97);

  const p2pRun = await startRun(seeder.page, { mode: 'p2p' });
  const p2p = await waitForRunFinished(leechers[3]!, { runNumber: p2pRun });
  expect(p2p.run?.mode).toBe('p2p');
  await expectSeederFile(p2pRun);
  const p2pFigures = await summaryFigures(seeder.page);
  expect(p2pFigures.dcsSec).toBeCloseTo(csFigures.dcsSec, 6);
  expect(p2pFigures.dp2pSec).toBeCloseTo(csFigures.dp2pSec, 6);
  expect(p2pFigures.measuredSec).toBeLessThan(csFigures.measuredSec);
  // Nor can this one: a p2p run that left the seeder's cap aside would end under D_p2p = F/u_s.
  expect(p2pFigures.measuredSec).toBeGreaterThanOrEqual(p2pFigures.dp2pSec * 0.97);
  // Leechers uploaded a good share of the bytes (the seeder at least one file's worth of the 4): "— / —", a
  // summary that counted no upload, or a token share would both fail here.
  const share = /(\d+) % \/ (\d+) %/.exec(await seeder.page.getByTestId('run-upload-share').innerText());
  expect(share, 'the run summary’s upload share').not.toBeNull();
  expect(Number(share![2])).toBeGreaterThanOrEqual(25);
  expect(Number(share![1]) + Number(share![2])).toBe(100);

  // Both runs are kept in the browser and exported with every peer's completion time.
  await expect(seeder.page.getByTestId('run-record')).toHaveCount(2);
  // F in MB too, beside rates in MB/s: 2 MiB over 1 MB/s is 2.1 s, not 2 s.
  await expect(seeder.page.getByTestId('run-record-file').first()).toHaveText('2.0 MiB 2.10 MB');
  const download = seeder.page.waitForEvent('download');
  await seeder.page.getByTestId('export-csv').click();
  const csv = await readFile((await (await download).path())!, 'utf8');
  const [header, ...rows] = csv.trim().split(/\r?\n/);
  const columns = header!.split(',');
  const cell = (row: string, name: string): string => row.split(',')[columns.indexOf(name)]!;
  const leecherRows = rows.filter((row) => cell(row, 'peer_role') === 'leecher');
  expect(leecherRows).toHaveLength(8);
  for (const row of leecherRows) expect(Number(cell(row, 'peer_completed_after_sec'))).toBeGreaterThan(0);
  expect(new Set(rows.map((row) => cell(row, 'mode')))).toEqual(new Set(['client-server', 'p2p']));
  const json = JSON.parse(await readRunsJson(seeder.page)) as Array<{
    distributionSec: number;
  }>;
  expect(json.map((run) => run.distributionSec)).toEqual([csFigures.measuredSec, p2pFigures.measuredSec]);

  // The kept runs outlive the swarm: on the start page the seeder's tab goes back to, and on the overview once
  // every peer has left and the swarm has ended.
  await seeder.page.getByTestId('leave').click();
  await expect(seeder.page.getByTestId('start-view').getByTestId('run-record')).toHaveCount(2);
  for (const page of leechers.slice(0, -1)) await page.close();
  // The last leaves on purpose (its whole file unsaved: it confirms). Closed alone, a tab keeps the swarm for a reload,
  // as a dropped connection, and the swarm ends only with its grace period (30 s of this test's time).
  const last = leechers.at(-1)!;
  last.once('dialog', (dialog) => void dialog.accept());
  await last.getByTestId('leave').click();
  await expect(overview.getByTestId('swarm-error')).toContainText('This swarm has ended', { timeout: 15_000 });
  await expect(overview.getByTestId('run-record')).toHaveCount(2);
  // No dead end: the overview hides the page's header (its link home), and the teacher makes the next link.
  await overview.getByTestId('overview-start-page').click();
  await expect(overview.getByTestId('start-view')).toBeVisible();
});

test.describe('invalid link caps are refused with a clear message', () => {
  test('in a prepared start link', async ({ swarm }) => {
    const page = await swarm.openPeer('/?server-up=0');
    await expect(page.getByTestId('start-error')).toContainText('at least 10000 B/s');
    await expect(page.getByTestId('generate')).toBeDisabled();
    // No dead end: the start page without them.
    await page.getByTestId('start-without-settings').click();
    await expect(page.getByTestId('start-error')).toHaveCount(0);
    await expect(page.getByTestId('generate')).toBeEnabled();
    expect(new URL(page.url()).search).toBe('');
  });

  test('in the run form and the per-peer editor, leaving the swarm as it was', async ({ swarm }) => {
    const seeder = await swarm.seedGenerated(1);
    await seeder.page.getByTestId('cap-peer-up').fill('-1MB/s');
    await seeder.page.getByTestId('cap-server-up').fill('20GB/s');
    await seeder.page.getByTestId('start-run').click();
    await expect(seeder.page.getByTestId('run-error')).toContainText('Peer upload u_i: "-1MB/s" is negative');
    await expect(seeder.page.getByTestId('run-error')).toContainText('at most');
    expect((await readPeerState(seeder.page)).run).toBeNull();
    // Pressed again, the same refusal is a new alert, which a screen reader reads: the page had not changed.
    await seeder.page.evaluate(() => {
      const seen = { count: 0 };
      new MutationObserver((records) => {
        for (const record of records)
          for (const node of Array.from(record.addedNodes))
            if (node instanceof HTMLElement && node.dataset['testid'] === 'run-error') seen.count++;
      }).observe(document.body, { childList: true, subtree: true });
      (window as unknown as { alertsSeen: typeof seen }).alertsSeen = seen;
    });
    await seeder.page.getByTestId('start-run').click();
    await expect
      .poll(() => seeder.page.evaluate(() => (window as unknown as { alertsSeen: { count: number } }).alertsSeen.count))
      .toBe(1);
    await expect(seeder.page.getByTestId('run-error')).toContainText('is negative');

    await seeder.page.getByTestId('edit-peer').first().click();
    await seeder.page.getByTestId('peer-cap-up').fill('0');
    await seeder.page.getByTestId('peer-save').click();
    await expect(seeder.page.getByTestId('peer-error')).toContainText('at least 10000 B/s');
    // The way to write "no cap" there is none (empty follows the swarm's), and the teacher's links stand as given.
    await expect(seeder.page.getByTestId('peer-error')).toContainText('write none for no cap');
    await expect(seeder.page.getByTestId('peer-within-caps')).toHaveCount(0);
    // Saved, the editor closes and the focus goes back to its row's button (it went to the page's body: the top).
    await seeder.page.getByTestId('peer-cap-up').fill('1MB/s');
    await seeder.page.getByTestId('peer-cap-up').press('Enter');
    await expect(seeder.page.getByTestId('peer-error')).toHaveCount(0);
    await expect(seeder.page.getByTestId('edit-peer').first()).toBeFocused();
    // The run form says the seeder row's own link stands over the form's u_s, and clears it on request (the teacher
    // was sent to find the row).
    await seeder.page.getByTestId('cap-server-up').fill('');
    await seeder.page.getByTestId('cap-peer-up').fill('');
    await expect(seeder.page.getByTestId('seeder-own-link')).toContainText('us = 1.00 MB/s');
    await seeder.page.getByTestId('seeder-own-link-clear').click();
    await expect(seeder.page.getByTestId('seeder-own-link')).toHaveCount(0);
    await seeder.page.getByTestId('edit-peer').first().click();
    await expect(seeder.page.getByTestId('peer-cap-up')).toHaveValue('');
    await seeder.page.getByRole('button', { name: 'Cancel' }).click();
    // A student's own editor says its links apply within the swarm's caps.
    const student = await swarm.openPeer(seeder.link);
    await student.getByTestId('edit-peer').click();
    await expect(student.getByTestId('peer-within-caps')).toContainText("within the swarm's caps");
  });

  test("in a peer's own swarm link", async ({ swarm }) => {
    const seeder = await swarm.seedGenerated(1);
    const [origin, hash] = seeder.link.split('/#');
    const page = await swarm.openPeer(`${origin}/?up=fast#${hash}`);
    await expect(page.getByTestId('swarm-error')).toContainText('is not a number of bytes');
  });
});
