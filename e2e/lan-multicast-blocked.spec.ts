import { chromium, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumExecutablePath, generateFile, readPeerState } from '@swarmlab/test-kit/browser';
import { ErrorLines, serverEnvironment, startLanNamespace, type LanNamespace } from '@swarmlab/test-kit/server';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, startRun, test, waitForComplete, waitForFileHash, waitForMesh, watchPageErrors } from './fixtures';

/**
 * A classroom as the students' laptops meet it: pages at `http://<the teacher's LAN address>:8080/`, no camera
 * permission (so Chromium offers each page's address only behind an mDNS name), on a Wi-Fi that drops multicast (so
 * nobody resolves those names). The server and Chromium run in a network namespace made for it (`startLanNamespace`);
 * the suite's own pages are given the permission and offer 127.0.0.1, which never meets this. The server answers STUN
 * on its port (`apps/server/src/lan-stun.ts`); without that, no pair connects here (checked first, with two bare peer
 * connections, so the test cannot pass on a network where mDNS works).
 */
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PORT = 8080;

/** Chromium as a student's: none of the suite's switches that reveal addresses or grant the camera. */
const STUDENT_ARGS = CHROMIUM_ARGS.filter(
  (arg) => arg !== '--allow-loopback-in-peer-connection' && arg !== '--use-fake-ui-for-media-stream',
);

/** The same classroom's server started with `--no-lan-stun`, as one was before it answered STUN. */
const PORT_WITHOUT_STUN = 8081;

let lan: LanNamespace | undefined;
const servers: ChildProcess[] = [];
let browser: Browser | undefined;
const serverErrors = new ErrorLines();
let serverOutput = '';

/** Starts the real server in the namespace on `port`; resolves once it said `ready` (the line it prints last). */
async function startClassroomServer(port: number, extraArgs: readonly string[], ready: string): Promise<void> {
  const server = lan!.spawn(
    process.execPath,
    ['--import', 'tsx', 'apps/server/src/main.ts', '--port', String(port), '--static-dir', 'apps/web/dist-e2e'].concat(
      extraArgs,
    ),
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: serverEnvironment() },
  );
  servers.push(server);
  for (const stream of [server.stdout, server.stderr])
    stream?.on('data', (data: Buffer) => {
      serverOutput += String(data);
      serverErrors.feed(String(data));
    });
  // Its health is asked from inside the namespace, by the browser: this process cannot reach 10.77.0.1.
  await expect.poll(() => serverOutput, { timeout: 60_000 }).toContain(ready);
}

test.beforeAll(async () => {
  lan = await startLanNamespace();
  await startClassroomServer(PORT, [], `LAN STUN: answering on UDP port ${PORT}`);
  await startClassroomServer(PORT_WITHOUT_STUN, ['--no-lan-stun'], `listening on port ${PORT_WITHOUT_STUN}`);
  const executablePath = chromiumExecutablePath();
  expect(executablePath, 'a system Chromium (CHROMIUM_PATH or /usr/bin/chromium)').toBeDefined();
  browser = await chromium.launch({ executablePath: lan.wrap(executablePath!), args: STUDENT_ARGS });
});

test.afterAll(async () => {
  await browser?.close();
  for (const server of servers) server.kill('SIGKILL');
  await lan?.close();
  serverErrors.end();
  expect(serverErrors.lines, 'error lines of the classroom servers').toEqual([]);
});

/**
 * A student's page: a context of its own, no permission granted (Playwright Test gives contexts the config's
 * `permissions`, the suite's camera permission, unless told otherwise).
 */
async function openStudentPage(url: string, errors: string[], warnings: string[]): Promise<Page> {
  const context = await browser!.newContext({ permissions: [] });
  const page = await context.newPage();
  watchPageErrors(page, errors, warnings);
  page.on('dialog', (dialog) => void (dialog.type() === 'beforeunload' ? dialog.accept() : dialog.dismiss()));
  await page.goto(url);
  return page;
}

/**
 * Connects a bare pair of peer connections between `a` and `b` with the ICE servers given, and says how far they got
 * in `waitMs`: the host candidates each offered, and whether they connected.
 */
async function barePair(
  a: Page,
  b: Page,
  iceServers: RTCIceServer[],
  waitMs: number,
): Promise<{ candidates: string[]; connected: boolean }> {
  const describe = async (page: Page, offer?: RTCSessionDescriptionInit) =>
    page.evaluate(
      async ([servers, remote]) => {
        const pc = new RTCPeerConnection({ iceServers: servers });
        (window as unknown as { barePc: RTCPeerConnection }).barePc = pc;
        if (remote) await pc.setRemoteDescription(remote);
        else pc.createDataChannel('probe');
        await pc.setLocalDescription(remote ? await pc.createAnswer() : await pc.createOffer());
        await new Promise<void>((resolve) => {
          const poll = setInterval(() => {
            if (pc.iceGatheringState !== 'complete') return;
            clearInterval(poll);
            resolve();
          }, 50);
        });
        return pc.localDescription!.toJSON() as RTCSessionDescriptionInit;
      },
      [iceServers, offer] as const,
    );
  const offer = await describe(a);
  const answer = await describe(b, offer);
  await a.evaluate(
    (remote) => (window as unknown as { barePc: RTCPeerConnection }).barePc.setRemoteDescription(remote),
    answer,
  );
  const connected = await a.evaluate(
    (ms) =>
      new Promise<boolean>((resolve) => {
        const pc = (window as unknown as { barePc: RTCPeerConnection }).barePc;
        const started = Date.now();
        const poll = setInterval(() => {
          if (pc.connectionState !== 'connected' && Date.now() - started < ms) return;
          clearInterval(poll);
          resolve(pc.connectionState === 'connected');
        }, 100);
      }),
    waitMs,
  );
  for (const page of [a, b])
    await page.evaluate(() => (window as unknown as { barePc: RTCPeerConnection }).barePc.close());
  const candidates = [offer, answer].flatMap((description) =>
    (description.sdp ?? '')
      .split('\r\n')
      .filter((line) => line.startsWith('a=candidate:') && line.includes(' typ host')),
  );
  return { candidates, connected };
}

test('on a Wi-Fi that blocks multicast, the teacher seeding at localhost and students on the plain-http LAN origin connect through the server’s STUN and end with the seeder’s SHA-256', async ({
  pageErrors,
  pageWarnings,
}) => {
  const origin = `http://${lan!.address}:${PORT}`;
  const probeA = await openStudentPage(`${origin}/`, pageErrors, pageWarnings.seen);
  const probeB = await openStudentPage(`${origin}/`, pageErrors, pageWarnings.seen);
  expect(await probeA.evaluate(() => window.isSecureContext)).toBe(false);
  expect(await probeA.evaluate(async () => (await navigator.permissions.query({ name: 'camera' })).state)).not.toBe(
    'granted',
  );

  // The network as the test means it: each page offers its address only as an mDNS name, and with no STUN server a
  // pair does not connect (nobody resolves those names); with the server's, it does.
  const alone = await barePair(probeA, probeB, [], 8000);
  expect(alone.candidates.length).toBeGreaterThan(0);
  for (const candidate of alone.candidates) expect(candidate).toMatch(/ [0-9a-f-]{36}\.local /);
  expect(alone.connected, 'a bare pair without STUN connected: mDNS is not blocked here').toBe(false);
  const throughStun = await barePair(probeA, probeB, [{ urls: `stun:${lan!.address}:${PORT}` }], 15_000);
  expect(throughStun.connected, 'a bare pair through the server’s STUN').toBe(true);
  await probeA.context().close();
  await probeB.context().close();

  // The app as the README has the teacher open it: at localhost on the server's laptop (told no STUN server: its own
  // name for the machine), its links on the network address (`ShareOrigin`); two students open the link.
  const teacher = await openStudentPage(`http://localhost:${PORT}/`, pageErrors, pageWarnings.seen);
  await generateFile(teacher, 2);
  await expect(teacher.getByTestId('share-link')).toHaveValue(new RegExp(`^${origin}/#/swarm/`));
  const link = await teacher.getByTestId('share-link').inputValue();
  const seederHash = await waitForFileHash(teacher);
  const students = [
    await openStudentPage(link, pageErrors, pageWarnings.seen),
    await openStudentPage(link, pageErrors, pageWarnings.seen),
  ];
  await waitForMesh([teacher, ...students]);
  await startRun(teacher);
  for (const student of students) expect((await waitForComplete(student)).fileSha256).toBe(seederHash);
});

test('where no pair can connect (the server without its STUN), the teacher’s screens say which student cannot', async ({
  pageErrors,
  pageWarnings,
}) => {
  // Each page said so itself, while the projector's card of a student no laptop reached said "waiting", as one
  // waiting its turn would (found by review).
  const origin = `http://${lan!.address}:${PORT_WITHOUT_STUN}`;
  const seederPage = await openStudentPage(`${origin}/`, pageErrors, pageWarnings.seen);
  await generateFile(seederPage, 1);
  await expect(seederPage.getByTestId('share-link')).toHaveValue(/#\/swarm\//);
  const studentPage = await openStudentPage(
    await seederPage.getByTestId('share-link').inputValue(),
    pageErrors,
    pageWarnings.seen,
  );
  const overview = await openStudentPage(
    new URL((await seederPage.getByTestId('overview-link').getAttribute('href')) ?? 'missing', origin).href,
    pageErrors,
    pageWarnings.seen,
  );
  await expect.poll(async () => (await readPeerState(studentPage)).peerId).toBeTruthy();
  const studentId = (await readPeerState(studentPage)).peerId!;
  // A try times out after 20 s (`CONNECT_TIMEOUT_MS`): the student's page says so, then every screen.
  await expect(studentPage.getByTestId('connect-trouble')).toContainText('Tries to connect', { timeout: 40_000 });
  const card = overview.locator(`[data-testid="projector-card"][data-peer-id="${studentId}"]`);
  await expect(card.getByTestId('card-state')).toHaveText('cannot connect');
  await expect(
    seederPage.locator(`[data-testid="swarm-peer"][data-peer-id="${studentId}"]`).getByTestId('peer-cannot-connect'),
  ).toBeVisible();
  // The page says what to do, the server's own STUN among it (it was started without).
  await expect(studentPage.getByTestId('connect-trouble')).toContainText("keep the server's LAN STUN on");
});
