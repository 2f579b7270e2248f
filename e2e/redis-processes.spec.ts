import { generateFile, readPeerState } from '@swarmlab/test-kit/browser';
import { startRedisServer, type ServerProcess, type TestRedisServer } from '@swarmlab/test-kit/server';
import {
  expect,
  finishedSummary,
  startRun,
  type ServerProcesses,
  test,
  testServerPort,
  waitForComplete,
  waitForFileHash,
  waitForMesh,
} from './fixtures';

/** Two server processes of this test's own, on ports of their own, sharing one Redis (#13). */
const PORT_A = testServerPort('SWARMLAB_E2E_REDIS_PORT_A', 31752);
const PORT_B = testServerPort('SWARMLAB_E2E_REDIS_PORT_B', 31753);
const originOf = (port: number): string => `http://127.0.0.1:${port}`;

/** A real server process of the test's (`servers`) with its swarms in `redisUrl`. */
const startServer = (servers: ServerProcesses, port: number, redisUrl: string): Promise<ServerProcess> =>
  servers.start({ port, env: { SWARMLAB_REDIS_URL: redisUrl } });

/** The same page of the app, served by the other process. */
const onOrigin = (link: string, port: number): string => {
  const url = new URL(link);
  return `${originOf(port)}${url.pathname}${url.search}${url.hash}`;
};

test('two server processes and one Redis: a seeder on B, leechers on A and B, A killed mid-run; the run ends on every screen with one time, a late joiner gets in through B', async ({
  swarm,
  servers,
}) => {
  let redis: TestRedisServer | undefined;
  let serverA: ServerProcess | undefined;
  let serverB: ServerProcess | undefined;
  try {
    redis = await startRedisServer();
    // Both kept as they start: one failing to start left the other running, unnamed, to the worker's end.
    const started = await Promise.allSettled([
      startServer(servers, PORT_A, redis.url),
      startServer(servers, PORT_B, redis.url),
    ]);
    [serverA, serverB] = started.map((result) => (result.status === 'fulfilled' ? result.value : undefined));
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    // F = 16 MiB, u_s = 2 MB/s, u_i = 500 kB/s, 4 leechers: D_p2p = max(F/u_s, 4F/(u_s + Σu_i)) ≈ 17 s, so the
    // run still goes on when the late tab joins (at 1 MB/s, 13 s: a loaded machine saw it join a finished run).
    const seeder = await swarm.openPeer(`${originOf(PORT_B)}/?server-up=2MB/s&peer-up=500kB/s`);
    await generateFile(seeder, 16);
    const link = await seeder.getByTestId('share-link').inputValue();
    const seederHash = await waitForFileHash(seeder);
    const onA = await Promise.all([1, 2].map(() => swarm.openPeer(onOrigin(link, PORT_A))));
    const onB = await Promise.all([1, 2].map(() => swarm.openPeer(onOrigin(link, PORT_B))));
    await waitForMesh([seeder, ...onA, ...onB]);
    const overview = await swarm.openPeer(
      onOrigin((await seeder.getByTestId('overview-link').getAttribute('href')) ?? 'missing', PORT_A),
    );
    await expect(overview.getByTestId('projector-card')).toHaveCount(5);

    await startRun(seeder);
    // The start reached the tabs of A through the Redis adapter.
    for (const page of onA) await expect(page.getByTestId('swarm-view')).toHaveAttribute('data-phase', 'running');
    // Killed once every leecher holds part of the file (a state, where a fixed 3 s wait stood).
    for (const page of [...onA, ...onB]) {
      await expect.poll(async () => (await readPeerState(page)).chunksHeld, { timeout: 30_000 }).toBeGreaterThan(0);
    }
    const placesOnA = await Promise.all(onA.map(async (page) => (await readPeerState(page)).peerId));
    await serverA?.kill();
    for (const page of [...onA, overview]) {
      await expect(page.getByTestId('signalling-notice')).toContainText('Signalling server lost');
    }
    // B still serves the swarm: a tab opening the link on B joins the run going on.
    const late = await swarm.openPeer(onOrigin(link, PORT_B));
    await expect(late.getByTestId('swarm-view')).toHaveAttribute('data-phase', 'running', { timeout: 30_000 });
    // A comes back (as a proxy would send A's tabs to a live process): they resume their places from Redis.
    serverA = await startServer(servers, PORT_A, redis.url);
    // Watched side by side: "Reconnected" stays 5 s, and one tab may be back well before the other.
    await Promise.all(
      onA.map((page) =>
        expect(page.getByTestId('signalling-notice')).toContainText('Reconnected', { timeout: 30_000 }),
      ),
    );
    for (const [index, page] of onA.entries()) {
      await expect
        .poll(async () => (await readPeerState(page)).peerId, 'the same place, not a newcomer')
        .toBe(placesOnA[index]);
    }

    for (const page of [...onA, ...onB, late]) expect((await waitForComplete(page)).fileSha256).toBe(seederHash);
    const summaries = await Promise.all([seeder, ...onA, ...onB, late, overview].map(finishedSummary));
    const measured = summaries[0]!.measuredSec;
    expect(measured).toBeGreaterThan(5);
    for (const summary of summaries) {
      expect(summary.measuredSec).toBe(measured);
      // The swarm was never forgotten: nothing had to be registered again.
      expect(summary.restored).toBe(false);
    }
  } finally {
    await serverA?.kill();
    await serverB?.kill();
    await redis?.stop();
  }
});
