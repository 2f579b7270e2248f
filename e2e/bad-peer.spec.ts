import { readPeerState } from '@swarmlab/test-kit/browser';
import { expect, startRun, test, testServerPort, waitForComplete, waitForFileHash, waitForMesh } from './fixtures';

/** A server of this test's own serving the production build (`pnpm build`), to show it ignores the switch. */
const PRODUCTION_PORT = testServerPort('SWARMLAB_E2E_PRODUCTION_PORT', 31743);

/** `link` opened with the test switch that makes a tab corrupt every block it sends. */
function corrupting(link: string): string {
  const url = new URL(link);
  url.search = '?test-corrupt-blocks=1';
  return url.toString();
}

test('a tab that corrupts the blocks it sends is caught by hash and dropped; every honest file ends correct', async ({
  swarm,
  pageWarnings,
}) => {
  // Each honest tab that caught it says so in its console too.
  pageWarnings.allow(/^swarmlab: dropped peer \S+ \(bad-blocks\)/);
  // F = 8 MiB, u_s = 2 MB/s, u_i = 1 MB/s: the leechers get most chunks from each other, the bad one included.
  const seeder = await swarm.seedGenerated(8, '?server-up=2MB/s&peer-up=1MB/s');
  const seederHash = await waitForFileHash(seeder.page);
  const bad = await swarm.openPeer(corrupting(seeder.link));
  const honest = await Promise.all([1, 2, 3].map(() => swarm.openPeer(seeder.link)));
  await waitForMesh([seeder.page, bad, ...honest]);
  // The switch is on in this (test) build: the test cannot pass on a tab that sends good data.
  expect((await readPeerState(bad)).testSwitches.corruptBlocksFraction).toBe(1);
  const badPeerId = (await readPeerState(bad)).peerId!;

  await startRun(seeder.page);
  for (const page of honest) expect((await waitForComplete(page)).fileSha256).toBe(seederHash);

  // Those it sent to caught it, dropped it, and say so; nobody dropped an honest peer.
  const dropped = await Promise.all(honest.map(async (page) => (await readPeerState(page)).droppedPeers));
  expect(dropped.flat().length).toBeGreaterThan(0);
  for (const entry of dropped.flat()) expect(entry).toEqual({ peerId: badPeerId, reason: 'bad-blocks' });
  const catcher = honest[dropped.findIndex((entries) => entries.length > 0)]!;
  const line = catcher.getByTestId('peer-dropped');
  await expect(line).toHaveAttribute('data-peer-id', badPeerId);
  await expect(line).toContainText('sent bad data: disconnected');
});

test('a production build does not honour the test switches', async ({ swarm, servers }) => {
  const production = await servers.start({ port: PRODUCTION_PORT });
  try {
    const page = await swarm.openPeer(`${production.origin}/?test-corrupt-blocks=1&test-resume-check-delay-ms=5000`);
    await expect(page.getByTestId('start-view')).toBeVisible();
    expect((await readPeerState(page)).testSwitches).toEqual({
      corruptBlocksFraction: 0,
      resumeCheckDelayMs: 0,
      joinCheckDelayMs: 0,
    });
  } finally {
    await production.kill();
  }
});
