import { MemoryChunkStore } from '@swarmlab/engine';
import { testFile } from '@swarmlab/test-kit';
import { expect, it } from 'vitest';
import { nodeSha256 } from '../src/node-sha256';
import { CHECK_SLICE_BYTES, verifiedFileSha256 } from '../src/verified-file-hash';

it('checks a download held in memory with turns of the event loop between slices, and hashes it whole', async () => {
  const file = await testFile(4 * CHECK_SLICE_BYTES, 256 * 1024);
  const store = MemoryChunkStore.fromFile(file.bytes, file.manifest.chunkBytes);
  // What else the peer does meanwhile (uploads, reports, a Ctrl-C): each turn of the loop counted.
  let turns = 0;
  let checking = true;
  const turn = (): void => {
    if (!checking) return;
    turns++;
    setImmediate(turn);
  };
  setImmediate(turn);
  const sha256 = await verifiedFileSha256(store, file.manifest, nodeSha256);
  checking = false;
  expect(sha256).toBe(file.sha256);
  expect(turns).toBeGreaterThanOrEqual(3);
});

it('names the first chunk that is missing or does not match', async () => {
  const file = await testFile(3 * 16 * 1024, 16 * 1024);
  const store = MemoryChunkStore.fromFile(file.bytes, file.manifest.chunkBytes);
  store.put(1, new Uint8Array(16 * 1024));
  await expect(verifiedFileSha256(store, file.manifest, nodeSha256)).rejects.toThrow(
    'chunk 1 of the downloaded file does not match its hash',
  );
});
