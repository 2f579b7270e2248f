import { createHash, randomBytes } from 'node:crypto';
import { expect, startRun, test, waitForComplete, waitForFileHash, waitForMesh, watchPageErrors } from './fixtures';

/**
 * The teacher reloads the seeder's tab (or closes it and opens its link again): the picked file does not
 * survive a reload, so the swarm has no seeder and no run can start. Every screen says so, and the tab that
 * holds the control secret offers to pick the file again, refusing another one, and seeds the swarm again
 * under the same link.
 */
test('a reloaded seeder tab picks its file again and seeds the same swarm; every screen said it had none', async ({
  swarm,
}) => {
  const bytes = randomBytes(3 * 1024 * 1024 + 4321);
  const expected = createHash('sha256').update(bytes).digest('hex');
  const file = { name: 'lecture.bin', mimeType: 'application/octet-stream', buffer: bytes };
  const seeder = await swarm.openPeer('/');
  await seeder.getByTestId('file-input').setInputFiles(file);
  const link = await (async () => {
    const share = seeder.getByTestId('share-link');
    await expect(share).toHaveValue(/#\/swarm\//);
    return share.inputValue();
  })();
  const leecher = await swarm.openPeer(link);
  await waitForMesh([seeder, leecher]);
  await expect(leecher.getByTestId('seeder-gone')).toBeHidden();

  await seeder.reload();
  // Back in its swarm as a leecher holding the control secret: nobody seeds, and everyone is told.
  await expect(seeder.getByTestId('swarm-view')).toHaveAttribute('data-role', 'leecher');
  await expect(leecher.getByTestId('seeder-gone')).toContainText('Nobody seeds this swarm any more');
  await expect(leecher.getByTestId('reseed-file')).toHaveCount(0);
  await expect(seeder.getByTestId('seeder-gone')).toBeVisible();

  // Another file under the same name is refused, and the tab goes back to the swarm to try again; so is a file
  // of another size, before it is read.
  await seeder.getByTestId('reseed-file').setInputFiles({ ...file, buffer: randomBytes(bytes.length) });
  await expect(seeder.getByTestId('swarm-error')).toContainText(
    'lecture.bin is not the file this swarm shares (lecture.bin): its bytes differ',
  );
  await seeder.getByRole('button', { name: 'Back to this swarm' }).click();
  await seeder.getByTestId('reseed-file').setInputFiles({ ...file, name: 'notes.bin', buffer: bytes.subarray(1) });
  await expect(seeder.getByTestId('swarm-error')).toContainText(
    `notes.bin is not the file this swarm shares (lecture.bin): it holds ${(bytes.length - 1).toLocaleString('en')} bytes`,
  );
  // A seeder's refusal, refused before the file was read: it was headed "Downloading" (found by review).
  await expect(seeder.getByTestId('swarm-view')).toHaveAttribute('data-role', 'seeder');
  await seeder.getByRole('button', { name: 'Back to this swarm' }).click();

  // The swarm's file, renamed since it was downloaded, is the swarm's file.
  await seeder.getByTestId('reseed-file').setInputFiles({ ...file, name: 'lecture (1).bin' });
  await expect(seeder.getByTestId('swarm-view')).toHaveAttribute('data-role', 'seeder');
  await expect(seeder.getByTestId('share-link')).toHaveValue(link);
  await expect(leecher.getByTestId('seeder-gone')).toBeHidden();
  await expect(seeder.getByTestId('seeder-gone')).toBeHidden();
  expect(await waitForFileHash(seeder)).toBe(expected);

  await waitForMesh([seeder, leecher]);
  await startRun(seeder);
  await waitForComplete(leecher);
  expect(await waitForFileHash(leecher)).toBe(expected);
});

test('a reloaded seeder tab whose file was generated (never on disk) generates it again and seeds the same swarm', async ({
  swarm,
}) => {
  const seeder = await swarm.seedGenerated(3);
  const seederHash = await waitForFileHash(seeder.page);
  const leecher = await swarm.openPeer(seeder.link);
  await waitForMesh([seeder.page, leecher]);
  // A seeding page asks before it unloads (a reload must pick or make the file again); the fixture answers "Leave".
  const asked: string[] = [];
  seeder.page.on('dialog', (dialog) => asked.push(dialog.type()));
  await seeder.page.reload();
  expect(asked).toEqual(['beforeunload']);
  await expect(seeder.page.getByTestId('seeder-gone')).toBeVisible();
  // Reloaded, it holds the swarm's control, which a closed tab takes with it: it asks again (once used: a browser asks
  // only for a page the user did something on).
  await seeder.page.locator('main h1').click();
  await seeder.page.reload();
  expect(asked).toEqual(['beforeunload', 'beforeunload']);
  await expect(seeder.page.getByTestId('seeder-gone')).toBeVisible();
  // No file to pick: the page offers to generate it again from the seed its name carries.
  await expect(seeder.page.getByTestId('reseed-file')).toHaveCount(0);
  await seeder.page.getByTestId('regenerate-file').click();
  await expect(seeder.page.getByTestId('swarm-view')).toHaveAttribute('data-role', 'seeder');
  await expect(seeder.page.getByTestId('share-link')).toHaveValue(seeder.link);
  expect(await waitForFileHash(seeder.page)).toBe(seederHash);
  await waitForMesh([seeder.page, leecher]);
  await startRun(seeder.page);
  expect((await waitForComplete(leecher)).fileSha256).toBe(seederHash);
});

test('the seeder’s tab reloaded while alone in its swarm keeps the swarm: its link, its code and the projector', async ({
  swarm,
  browser,
  pageErrors,
  pageWarnings,
}) => {
  const seeder = await swarm.seedGenerated(1);
  const seederHash = await waitForFileHash(seeder.page);
  const code = await seeder.page.getByTestId('join-code-shown').textContent();
  const overviewHref = (await seeder.page.getByTestId('overview-link').first().getAttribute('href')) ?? 'missing';
  const projector = await (await browser.newContext()).newPage();
  watchPageErrors(projector, pageErrors, pageWarnings.seen);
  await projector.goto(new URL(overviewHref, seeder.page.url()).toString());
  await expect(projector.getByTestId('overview-join-code')).toHaveText(code!);

  // Nobody else in the swarm: left as a tab leaves, the swarm ended with it, and the reloaded tab was told the swarm
  // was unknown ("the server was restarted: ask for a new link"), the projector that it had ended.
  await seeder.page.reload();
  // Its place kept as a dropped connection's, and given up as the reloaded page joins presenting it: nobody seeds,
  // and this tab may, at once (its old self stayed beside it, "reconnecting", for the server's 30 s grace).
  await expect(seeder.page.getByTestId('swarm-view')).toHaveAttribute('data-role', 'leecher');
  await expect(seeder.page.getByTestId('regenerate-file')).toBeVisible({ timeout: 15_000 });
  await expect(projector.getByTestId('overview')).toHaveAttribute('data-phase', 'watching');
  await expect(projector.getByTestId('seeder-gone')).toBeVisible();
  await seeder.page.getByTestId('regenerate-file').click();
  await expect(seeder.page.getByTestId('swarm-view')).toHaveAttribute('data-role', 'seeder');
  await expect(seeder.page.getByTestId('share-link')).toHaveValue(seeder.link);
  await expect(seeder.page.getByTestId('join-code-shown')).toHaveText(code!);
  expect(await waitForFileHash(seeder.page)).toBe(seederHash);
  await expect(projector.getByTestId('seeder-gone')).toBeHidden();
  await expect(projector.getByTestId('overview-join-code')).toHaveText(code!);
  // The tab's member place went as it took the seeder's: no stand-in of itself left away beside the seeder.
  await expect(projector.getByTestId('projector-card')).toHaveCount(1);
  await projector.context().close();
});
