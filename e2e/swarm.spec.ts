import { countBits, expect, peerState, test, unionHex, waitForComplete } from './fixtures';

test('a seeder and four leechers on a generated 8 MiB file all end with the seeder’s SHA-256', async ({ swarm }) => {
  const seeder = await swarm.seedGenerated(8);
  const seederHash = (await waitForComplete(seeder.page)).fileSha256;
  expect(seederHash).toMatch(/^[0-9a-f]{64}$/);

  const leechers = await Promise.all([1, 2, 3, 4].map(() => swarm.openPeer(seeder.link)));
  const finals = await Promise.all(leechers.map((page) => waitForComplete(page)));

  for (const [index, state] of finals.entries()) {
    expect(state.fileSha256, `leecher ${index}`).toBe(seederHash);
    expect(state.chunksHeld).toBe(32);
    await expect(leechers[index]!.getByTestId('own-bitmap')).toHaveAttribute('data-held', '32');
    await expect(leechers[index]!.getByTestId('file-sha256')).toHaveText(seederHash!);
  }
  // Leechers download from each other too, not only from the seeder.
  expect(finals.reduce((sum, state) => sum + state.uploadedBytes, 0)).toBeGreaterThan(0);
  // Every tab sees the whole swarm and, once all are complete, the measured distribution time.
  await expect(seeder.page.getByTestId('theory-n')).toHaveText('4');
  await expect(seeder.page.getByTestId('theory-measured')).toContainText(' s');
  await expect(leechers[0]!.getByTestId('theory-dp2p')).not.toHaveText('—');
});

test('a late joiner completes after the seeder has left once the swarm held every chunk', async ({ swarm }) => {
  const seeder = await swarm.seedGenerated(8);
  const seederHash = (await waitForComplete(seeder.page)).fileSha256;
  const early = await Promise.all([1, 2].map(() => swarm.openPeer(seeder.link)));

  const swarmChunks = async (): Promise<number> =>
    countBits(unionHex(await Promise.all(early.map(async (page) => (await peerState(page)).bitsHex))));
  await expect.poll(swarmChunks, { timeout: 60_000, intervals: [100] }).toBe(32);
  await seeder.page.context().close();

  const late = await swarm.openPeer(seeder.link);
  const finals = await Promise.all([...early, late].map((page) => waitForComplete(page)));
  for (const state of finals) expect(state.fileSha256).toBe(seederHash);
});

test.describe('a joiner with a bad swarm link gets a clear message', () => {
  test('malformed link', async ({ swarm }) => {
    const page = await swarm.openPeer('/#/swarm/not-a-swarm/xyz');
    await expect(page.getByTestId('swarm-error')).toContainText('malformed');
  });

  test('unknown swarm', async ({ swarm }) => {
    const page = await swarm.openPeer(`/#/swarm/${'A'.repeat(22)}/${'0'.repeat(64)}`);
    await expect(page.getByTestId('swarm-error')).toContainText('unknown or has ended');
  });

  test('link whose content id does not match the swarm’s file', async ({ swarm }) => {
    const seeder = await swarm.seedGenerated(1);
    const tampered = seeder.link.replace(/[0-9a-f]{64}$/, 'f'.repeat(64));
    const page = await swarm.openPeer(tampered);
    await expect(page.getByTestId('swarm-error')).toContainText('does not match the link');
  });
});
