import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryChunkStore } from '@swarmlab/engine';
import { testFile } from '@swarmlab/test-kit';
import { expect, it } from 'vitest';
import { FileChunkStore } from '../src/file-chunk-store';
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
  const fractions: number[] = [];
  const sha256 = await verifiedFileSha256(store, file.manifest, nodeSha256, false, (done) => fractions.push(done));
  checking = false;
  expect(sha256).toBe(file.sha256);
  expect(turns).toBeGreaterThanOrEqual(3);
  // Its progress, for the line printed each second (and the one a Ctrl-C prints): it said nothing for minutes.
  expect(fractions[0]).toBe(0);
  expect(fractions.at(-1)).toBe(1);
  expect(fractions.every((fraction, index) => index === 0 || fraction > fractions[index - 1]!)).toBe(true);
});

it('names the first chunk that is missing or does not match', async () => {
  const file = await testFile(3 * 16 * 1024, 16 * 1024);
  const store = MemoryChunkStore.fromFile(file.bytes, file.manifest.chunkBytes);
  store.put(1, new Uint8Array(16 * 1024));
  await expect(verifiedFileSha256(store, file.manifest, nodeSha256)).rejects.toThrow(
    'chunk 1 of the downloaded file does not match its hash',
  );
});

it('hashes each chunk of a store that checks its reads once, not twice, and says which read failed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'verified-'));
  try {
    const file = await testFile(3 * 16 * 1024, 16 * 1024);
    const path = join(dir, 'copy.bin');
    writeFileSync(path, file.bytes);
    const handle = await open(path, 'r+');
    try {
      let hashed = 0;
      const counting = async (bytes: Uint8Array) => {
        hashed++;
        return nodeSha256(bytes);
      };
      const store = new FileChunkStore(handle, file.manifest, counting);
      // Before, 6 chunk hashes for 3 chunks: the store's on each read, then this check's own.
      expect(await verifiedFileSha256(store, file.manifest, counting, store.checksReads)).toBe(file.sha256);
      expect(hashed).toBe(3);
      // A chunk changed on disk since: the store's read fails, and the check says so.
      await handle.write(new Uint8Array(16).fill(1), 0, 16, 16 * 1024);
      const again = new FileChunkStore(handle, file.manifest, nodeSha256);
      await expect(verifiedFileSha256(again, file.manifest, nodeSha256, true)).rejects.toThrow(
        /chunk 1 of the downloaded file could not be read back: its bytes no longer match/,
      );
    } finally {
      await handle.close();
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});
