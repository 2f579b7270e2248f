import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '@swarmlab/protocol';
import { testFile } from '@swarmlab/test-kit';
import { afterEach, expect, it } from 'vitest';
import { FileChunkStore, RECENT_CHUNKS } from '../src/file-chunk-store';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('reads a chunk from disk once for all its blocks, and again once it has dropped out of the recent few', async () => {
  const file = await testFile(12 * 16 * 1024 + 100, 16 * 1024);
  dir = mkdtempSync(join(tmpdir(), 'swarmlab-chunks-'));
  const path = join(dir, 'seed.bin');
  writeFileSync(path, file.bytes);
  const handle = await open(path, 'r');
  try {
    let reads = 0;
    const read = handle.read.bind(handle);
    handle.read = ((...args: Parameters<typeof read>) => {
      reads++;
      return read(...args);
    }) as typeof handle.read;
    const store = new FileChunkStore(handle, file.manifest);
    // Eight blocks of chunk 3, two of them asked at once.
    const blocks = await Promise.all(Array.from({ length: 8 }, () => store.get(3)));
    expect(reads).toBe(1);
    expect(await sha256Hex(blocks[7]!)).toBe(file.manifest.chunkSha256[3]);
    for (let index = 4; index < 4 + RECENT_CHUNKS; index++) await store.get(index);
    expect(reads).toBe(1 + RECENT_CHUNKS);
    await store.get(3); // dropped out: read again
    expect(reads).toBe(2 + RECENT_CHUNKS);
    expect(await sha256Hex(await store.get(12))).toBe(file.manifest.chunkSha256[12]); // the short last chunk
  } finally {
    await handle.close();
  }
});
