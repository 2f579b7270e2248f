import { fileHashOf, testFile, TestSwarm } from '@swarmlab/test-kit';
import { describe, expect, it } from 'vitest';
import { MemoryChunkStore, type AsyncChunkStore } from '../src/index';
import { REPEAT_BUDGET_FILES } from '../src/uploader';

const CHUNK_BYTES = 16 * 1024;
const CHUNKS = 8;

/** A store whose writes never land: a tab that reloads before IndexedDB commits what it received. */
const neverStores = (): AsyncChunkStore => ({
  get: () => undefined,
  put: () => new Promise<void>(() => {}),
});

describe('a leecher sent more than its repeat budget again (REPEAT_BUDGET_FILES)', () => {
  it.each(['client-server', 'p2p'] as const)(
    'that reloaded twice before its writes landed completes from its only source (%s)',
    async (mode) => {
      const file = await testFile(CHUNKS * CHUNK_BYTES, CHUNK_BYTES);
      const swarm = new TestSwarm(file);
      const seeder = swarm.peer('seeder', { seed: true, mode });
      // Two lives of the same peer id, each sent the whole file, none of it kept.
      for (let life = 1; life <= 2; life++) {
        const tab = swarm.peer('tab', { mode, asyncStore: neverStores(), store: new MemoryChunkStore() });
        swarm.connect(seeder, tab, { latencyMs: 5 });
        await swarm.runFor(3000);
        tab.engine.destroy();
        await swarm.runFor(100);
      }
      expect(seeder.engine.snapshot().uploadedBytes).toBeGreaterThanOrEqual(
        (1 + REPEAT_BUDGET_FILES) * file.bytes.length,
      );
      const dropped: string[] = [];
      seeder.engine.events.on('peer-dropped', ({ peerId, reason }) => dropped.push(`${peerId}: ${reason}`));
      const tab = swarm.peer('tab', { mode });
      swarm.connect(seeder, tab, { latencyMs: 5 });
      // Before, every request of its third life was refused: it forgot the seeder held anything, lost interest, and
      // held none of the 8 chunks 30 s later.
      await swarm.runUntil(() => tab.engine.isComplete, 30_000, 'the third life to complete');
      expect(await fileHashOf(tab, file)).toBe(file.sha256);
      expect(dropped).toEqual([]);
    },
  );
});
