import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '@swarmlab/protocol';
import { testFile } from '@swarmlab/test-kit';
import { afterEach, expect, it } from 'vitest';
import { FileChunkStore, RECENT_BYTES } from '../src/file-chunk-store';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A file of 12 chunks of 16 KiB and a short last one on disk, opened, its reads counted. */
async function countedFile() {
  const file = await testFile(12 * 16 * 1024 + 100, 16 * 1024);
  dir = mkdtempSync(join(tmpdir(), 'swarmlab-chunks-'));
  const path = join(dir, 'seed.bin');
  writeFileSync(path, file.bytes);
  const handle = await open(path, 'r');
  const counted = { reads: 0 };
  const read = handle.read.bind(handle);
  handle.read = ((...args: Parameters<typeof read>) => {
    counted.reads++;
    return read(...args);
  }) as typeof handle.read;
  return { file, handle, counted };
}

it('reads each chunk once while a client-server seeder serves many leechers’ chunks block by block, interleaved', async () => {
  const { file, handle, counted } = await countedFile();
  try {
    const store = new FileChunkStore(handle, file.manifest);
    expect(RECENT_BYTES).toBeGreaterThanOrEqual(13 * file.manifest.chunkBytes);
    // Each of 13 leechers fetches its own chunk, 8 blocks, served oldest first: one block of each chunk in turn.
    for (let block = 0; block < 8; block++) for (let index = 0; index <= 12; index++) await store.get(index);
    expect(counted.reads).toBe(13);
  } finally {
    await handle.close();
  }
});

it('reads a chunk from disk once for all its blocks, and again once it has dropped out of the recent ones', async () => {
  const { file, handle, counted } = await countedFile();
  const RECENT_CHUNKS = 4;
  try {
    const store = new FileChunkStore(handle, file.manifest, undefined, RECENT_CHUNKS * file.manifest.chunkBytes);
    // Eight blocks of chunk 3, two of them asked at once.
    const blocks = await Promise.all(Array.from({ length: 8 }, () => store.get(3)));
    expect(counted.reads).toBe(1);
    expect(await sha256Hex(blocks[7]!)).toBe(file.manifest.chunkSha256[3]);
    for (let index = 4; index < 4 + RECENT_CHUNKS; index++) await store.get(index);
    expect(counted.reads).toBe(1 + RECENT_CHUNKS);
    await store.get(3); // dropped out: read again
    expect(counted.reads).toBe(2 + RECENT_CHUNKS);
    expect(await sha256Hex(await store.get(12))).toBe(file.manifest.chunkSha256[12]); // the short last chunk
  } finally {
    await handle.close();
  }
});
