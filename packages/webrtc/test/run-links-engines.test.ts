import { fileHashOf, testFile, TestSwarm } from '@swarmlab/test-kit';
import { describe, expect, it } from 'vitest';
import { RunLinks } from '../src/index';

const CHUNK_BYTES = 64 * 1024;
const FILE_BYTES = 12 * CHUNK_BYTES + 777;

describe('RunLinks under real engines', () => {
  it('two runs over one transport pair: a fresh leecher gets the whole file each time', async () => {
    const file = await testFile(FILE_BYTES, CHUNK_BYTES, { seed: 7, name: 'runs.bin' });
    // One virtual clock for the transport and every run's engines: the test runs it, nothing waits on wall time.
    const swarm = new TestSwarm(file);
    const [seederTransport, leecherTransport] = swarm.linkPair('seeder', 'leecher', { bytesPerSec: 20_000_000 });
    const seederRuns = new RunLinks(seederTransport);
    const leecherRuns = new RunLinks(leecherTransport);

    for (const runNumber of [1, 2]) {
      // A fresh engine per run: the seeder with the whole file, the leecher with an empty store.
      const seeder = swarm.peer('seeder', { seed: true });
      const leecher = swarm.peer('leecher');
      // A message leaking from one run into the next would be a protocol violation here.
      const dropped: string[] = [];
      for (const { engine } of [seeder, leecher])
        engine.events.on('peer-dropped', ({ detail }) => dropped.push(`${engine.localPeerId}: ${detail}`));
      seeder.engine.addLink(seederRuns.open(runNumber));
      // The leecher joins each run a little later: the seeder's first messages wait for it.
      await swarm.runFor(30);
      leecher.engine.addLink(leecherRuns.open(runNumber));

      await swarm.runUntil(() => leecher.engine.isComplete, 10_000, `leecher completes run ${runNumber}`);
      expect(await fileHashOf(leecher, file)).toBe(file.sha256);
      expect(leecher.engine.snapshot().downloadedBytes).toBeGreaterThanOrEqual(file.manifest.sizeBytes);
      expect(dropped).toEqual([]);
      seeder.engine.destroy();
      leecher.engine.destroy();
    }
    expect(seederRuns.closed || leecherRuns.closed).toBe(false);
  });
});
