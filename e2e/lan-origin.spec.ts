import { CHROMIUM_ARGS, chromiumExecutablePath, generateFile } from '@swarmlab/test-kit/browser';
import { expect, startRun, test, waitForComplete, waitForFileHash, waitForMesh } from './fixtures';

/**
 * A classroom's pages come from `http://<LAN address>:8080/`, which is not a secure context: no WebCrypto
 * digest, no clipboard API. `localhost` and 127.0.0.0/8 are secure, so here Chromium resolves a made-up
 * name to loopback and the pages are opened by that name: a non-secure origin that still only reaches this
 * machine (docs/TESTING.md). Host candidates are kept as addresses rather than mDNS names, which Chromium hides
 * them behind on origins that cannot hold the camera permission.
 */
const LAN_HOST = 'swarmlab.test';
const executablePath = chromiumExecutablePath();

// Replaces the config's launch options as a whole, so the browser is named again.
test.use({
  launchOptions: {
    ...(executablePath ? { executablePath } : {}),
    args: [
      ...CHROMIUM_ARGS,
      `--host-resolver-rules=MAP ${LAN_HOST} 127.0.0.1`,
      '--disable-features=WebRtcHideLocalIpsWithMdns',
    ],
  },
});

test('on a plain-http LAN origin a seeder and a leecher end with the same SHA-256, and Copy copies without a clipboard API', async ({
  swarm,
  baseURL,
}) => {
  // The e2e server's own address, by the LAN name instead.
  const lan = new URL(baseURL!);
  lan.hostname = LAN_HOST;
  const page = await swarm.openPeer(`${lan.origin}/`);
  await generateFile(page, 2);
  await expect(page.getByTestId('share-link')).toHaveValue(/#\/swarm\//);
  const seeder = { page, link: await page.getByTestId('share-link').inputValue() };
  expect(seeder.link.startsWith(`${lan.origin}/`)).toBe(true);
  expect(new URL(seeder.page.url()).hostname).toBe(LAN_HOST);
  expect(await seeder.page.evaluate(() => window.isSecureContext)).toBe(false);
  // What is missing there, as the app meets it.
  expect(await seeder.page.evaluate(() => [typeof crypto.subtle, typeof navigator.clipboard])).toEqual([
    'undefined',
    'undefined',
  ]);
  const seederHash = await waitForFileHash(seeder.page);

  // No clipboard API: the page copies the selected link the old way, which needs no secure context (before, the
  // button only selected the link and asked for Ctrl+C), and says so to a screen reader too.
  await seeder.page.getByTestId('copy-link').click();
  await expect(seeder.page.getByTestId('copy-link')).toHaveText('Copied');
  await expect(seeder.page.getByTestId('copy-announced')).toHaveText('Link copied.');
  await expect(seeder.page.getByTestId('copy-fallback')).toHaveCount(0);
  // What the clipboard holds, pasted into a field of the page.
  await seeder.page.evaluate(() => {
    const field = document.createElement('textarea');
    field.dataset['testid'] = 'paste-check';
    document.body.append(field);
  });
  await seeder.page.getByTestId('paste-check').focus();
  await seeder.page.keyboard.press('ControlOrMeta+V');
  await expect(seeder.page.getByTestId('paste-check')).toHaveValue(seeder.link);

  const leecher = await swarm.openPeer(seeder.link);
  expect(await leecher.evaluate(() => window.isSecureContext)).toBe(false);
  // No `navigator.storage` here: the page cannot check its room before downloading, and says so.
  await expect(leecher.getByTestId('unchecked-room')).toContainText('cannot check this device');
  // WebRTC between the two, over the host candidates of a non-secure page.
  await waitForMesh([seeder.page, leecher]);
  await startRun(seeder.page);
  const done = await waitForComplete(leecher);
  expect(done.fileSha256).toBe(seederHash);
});

test('opened at a loopback address, the seeder hands out links other devices reach, or says it cannot', async ({
  swarm,
  baseURL,
}) => {
  // The e2e server listens on 127.0.0.1 alone: it knows no network address, and the page says so.
  const alone = await swarm.openPeer('/');
  await generateFile(alone, 1);
  await expect(alone.getByTestId('share-link')).toHaveValue(new RegExp(`^${baseURL!}/#/swarm/`));
  await expect(alone.getByTestId('share-origin-note')).toHaveAttribute('data-reachable', 'false');
  await expect(alone.getByTestId('share-origin-note')).toContainText('which other devices cannot reach');

  // A server on every interface answers with this machine's network address (here, the LAN name of loopback).
  const lan = new URL(baseURL!);
  lan.hostname = LAN_HOST;
  const teacher = await swarm.openPeer('about:blank');
  await teacher.route('**/lan-origins', (route) => route.fulfill({ json: { origins: [lan.origin] } }));
  await teacher.goto('/');
  await generateFile(teacher, 2);
  const share = teacher.getByTestId('share-link');
  await expect(share).toHaveValue(new RegExp(`^${lan.origin}/#/swarm/`));
  await expect(teacher.getByTestId('share-origin-note')).toHaveAttribute('data-reachable', 'true');
  await expect(teacher.getByTestId('overview-link')).toHaveAttribute('href', new RegExp(`^${lan.origin}/#/watch/`));
  // A student's device opens that link, and the swarm works across the two origins.
  const student = await swarm.openPeer(await share.inputValue());
  expect(new URL(student.url()).hostname).toBe(LAN_HOST);
  await waitForMesh([teacher, student]);
  await startRun(teacher);
  expect((await waitForComplete(student)).fileSha256).toBe(await waitForFileHash(teacher));
});
