// @vitest-environment node
// (A real signalling server runs in this test's process, and its modules need Node's.)
import 'fake-indexeddb/auto';
import { startSignallingServer } from '@swarmlab/test-kit/server';
import { SignallingClient } from '@swarmlab/webrtc';
import { afterEach, describe, expect, it } from 'vitest';
import { portableSha256 } from '../src/lib/page-sha256';
import { prepareSeed } from '../src/lib/state/file-preparation';
import { SwarmSession } from '../src/lib/state/swarm-session.svelte';
import type { ChunkSource } from '../src/lib/storage/chunk-source';
import { generatedTestFile } from '../src/lib/test-file';
import { silentPeers } from './fakes';

const cleanUps: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp();
});

describe('a seeder page back from the back/forward cache', () => {
  it('whose file can no longer be read takes no seeder’s place: it says so, and keeps no seed', async () => {
    const server = await startSignallingServer();
    cleanUps.push(() => server.close());
    // A picked file, read as it was prepared, then changed on disk while the page was away.
    const file = generatedTestFile(3 * 256 * 1024, 7);
    let changed = false;
    const source: ChunkSource = {
      ...file,
      read: (offsetBytes, lengthBytes, reuse) =>
        changed
          ? Promise.reject(new DOMException('The file changed on disk.', 'NotReadableError'))
          : file.read(offsetBytes, lengthBytes, reuse),
    };
    const seed = await prepareSeed(source, portableSha256, () => {});
    const founder = SignallingClient.connect(server.url);
    const created = await founder.createSwarm({ manifest: seed.manifest, contentId: seed.contentId });
    if (!created.ok) throw new Error(created.error.message);
    const { swarmId, controlSecret, seal } = created;
    // The page left (into the cache), the last member: the server forgets the swarm.
    await founder.leaveSwarm();
    founder.disconnect();
    changed = true;

    const page = new SwarmSession({ signallingUrl: server.url, createPeer: silentPeers, tabId: async () => 'tab' });
    cleanUps.push(() => page.leave());
    await page.resumeSeed({
      seed,
      place: {
        swarmId,
        contentId: seed.contentId,
        manifest: seed.manifest,
        control: controlSecret,
        seal,
        iceServers: [],
        memory: {},
      },
    });
    expect(page.phase).toBe('failed');
    expect(page.error).toMatch(/can no longer be read \(NotReadableError/);
    expect(page.keptSeed).toBeUndefined();
    // It registered nothing again: a joiner finds no swarm, where it found one "seeded" from a file that is gone.
    const joiner = SignallingClient.connect(server.url);
    cleanUps.push(() => joiner.disconnect());
    expect(await joiner.joinSwarm({ swarmId })).toMatchObject({ ok: false, error: { code: 'swarm-not-found' } });
  });
});
