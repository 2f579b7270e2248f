import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { chunkCount, chunkLengthBytes, sha256Hex } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import { portableSha256 } from '../src/lib/page-sha256';
import { notThisSwarmsFileMessage, prepareSeed } from '../src/lib/state/file-preparation';
import { bytesChunkSource, fileChunkSource, type ChunkSource } from '../src/lib/storage/chunk-source';
import { SourceChunkStore } from '../src/lib/storage/source-chunk-store';
import { generateTestFile, generatedTestFile } from '../src/lib/test-file';

const FILE_BYTES = 3 * 256 * 1024 + 1000;

/** A generated file that counts its reads and the largest one. */
function countingSource(): ChunkSource & { reads: number; largestReadBytes: number; memories: Set<ArrayBufferLike> } {
  const inner = generatedTestFile(FILE_BYTES, 5);
  const counting = {
    ...inner,
    reads: 0,
    largestReadBytes: 0,
    memories: new Set<ArrayBufferLike>(),
    read: async (offsetBytes: number, lengthBytes: number, reuse?: ArrayBuffer) => {
      counting.reads++;
      counting.largestReadBytes = Math.max(counting.largestReadBytes, lengthBytes);
      const chunk = await inner.read(offsetBytes, lengthBytes, reuse);
      counting.memories.add(chunk.buffer);
      return chunk;
    },
  };
  return counting;
}

describe('the seeder reads its file on demand', () => {
  it('prepares a picked File (read slice by slice into one buffer) as it prepares the same bytes in memory', async () => {
    const whole = generateTestFile(FILE_BYTES, 6);
    const picked = await prepareSeed(
      fileChunkSource(new File([whole as Uint8Array<ArrayBuffer>], 'picked.bin')),
      portableSha256,
      () => {},
    );
    const inMemory = await prepareSeed(bytesChunkSource('picked.bin', whole), portableSha256, () => {});
    expect(picked.manifest).toEqual(inMemory.manifest);
    expect(picked.fileSha256).toBe(bytesToHex(sha256(whole)));
    expect(await sha256Hex(await picked.store.get(3))).toBe(picked.manifest.chunkSha256[3]);
  });

  it('picked again to seed its swarm, a renamed file takes the swarm’s name and so its content id', async () => {
    const whole = generateTestFile(FILE_BYTES, 6);
    const original = await prepareSeed(bytesChunkSource('lecture.bin', whole), portableSha256, () => {});
    const renamed = bytesChunkSource('lecture (1).bin', whole);
    const asItIs = await prepareSeed(renamed, portableSha256, () => {});
    expect(asItIs.contentId).not.toBe(original.contentId);
    const asTheSwarmNamesIt = await prepareSeed(renamed, portableSha256, () => {}, undefined, 'lecture.bin');
    expect(asTheSwarmNamesIt.contentId).toBe(original.contentId);
    expect(asTheSwarmNamesIt.manifest).toEqual(original.manifest);
  });

  it('says why a file picked again is not the swarm’s: its size, else its bytes', () => {
    const manifest = { name: 'lecture.bin', sizeBytes: 3_145_728 };
    expect(notThisSwarmsFileMessage({ name: 'notes.pdf', sizeBytes: 1000 }, manifest)).toBe(
      "notes.pdf is not the file this swarm shares (lecture.bin): it holds 1,000 bytes, the swarm's 3,145,728. Pick the very file the swarm was started with.",
    );
    expect(notThisSwarmsFileMessage({ name: 'lecture.bin', sizeBytes: 3_145_728 }, manifest)).toContain(
      'lecture.bin is not the file this swarm shares (lecture.bin): its bytes differ.',
    );
  });

  it('stops reading once the user leaves: no chunk is read after the abort', async () => {
    const source = countingSource();
    const leaving = new AbortController();
    const prepared = prepareSeed(
      source,
      portableSha256,
      (fraction) => fraction >= 0.5 && leaving.abort(new DOMException('left', 'AbortError')),
      leaving.signal,
    );
    await expect(prepared).rejects.toMatchObject({ name: 'AbortError' });
    expect(source.reads).toBe(2);
  });

  it('one streaming pass gives the manifest and the whole file SHA-256, a chunk at a time', async () => {
    const source = countingSource();
    const fractions: number[] = [];
    const prepared = await prepareSeed(source, portableSha256, (fraction) => fractions.push(fraction));
    const whole = generateTestFile(FILE_BYTES, 5);
    expect(prepared.fileSha256).toBe(bytesToHex(sha256(whole)));
    expect(chunkCount(prepared.manifest)).toBe(4);
    expect(source.reads).toBe(4);
    expect(source.largestReadBytes).toBe(256 * 1024);
    expect(source.memories.size).toBe(1); // every chunk read into the same buffer: no garbage per chunk
    expect(fractions).toEqual([0.25, 0.5, 0.75, 1]);
    const last = whole.subarray(3 * 256 * 1024);
    expect(prepared.manifest.chunkSha256[3]).toBe(await sha256Hex(last));
  });

  it('serves chunks from the source, reading each once while cached (concurrent asks share a read)', async () => {
    const source = countingSource();
    const { store, manifest } = await prepareSeed(source, portableSha256, () => {});
    source.reads = 0;
    const [a, b] = await Promise.all([store.get(3), store.get(3)]);
    expect(source.reads).toBe(1);
    expect(a).toBe(b);
    expect(a!.length).toBe(chunkLengthBytes(manifest, 3));
    expect(await sha256Hex(a!)).toBe(manifest.chunkSha256[3]);
    // Cached: answered at once, no promise.
    expect(store.get(3)).toBeInstanceOf(Uint8Array);
    expect(source.reads).toBe(1);
    await expect(store.put(0)).rejects.toThrow(/read-only/);
  });

  it('keeps only a bounded number of chunks in memory', async () => {
    const source = countingSource();
    const prepared = await prepareSeed(source, portableSha256, () => {});
    const store = new SourceChunkStore(source, prepared.manifest, 2 * 256 * 1024);
    for (let index = 0; index < 4; index++) await store.get(index);
    source.reads = 0;
    await store.get(0); // evicted: read again
    expect(source.reads).toBe(1);
  });

  it('reads into the memory of chunks the cache dropped, and serves the right bytes from it', async () => {
    const source = countingSource();
    const prepared = await prepareSeed(source, portableSha256, () => {});
    const store = new SourceChunkStore(source, prepared.manifest, 2 * 256 * 1024);
    source.memories.clear();
    // Chunks 0–2 are full chunks; 2 evicts 0, whose memory 1's re-read after 2 evictions then fills.
    const hashes: string[] = [];
    for (const index of [0, 1, 2, 0, 1, 2, 0]) hashes.push(await sha256Hex(await store.get(index)));
    expect(hashes).toEqual([0, 1, 2, 0, 1, 2, 0].map((index) => prepared.manifest.chunkSha256[index]));
    expect(source.reads).toBe(4 + 7);
    expect(source.memories.size).toBeLessThan(7); // a fresh buffer per read would be 7
  });

  it('lets its cache go when a run is over, a read under way then included, and reads again on demand', async () => {
    const source = countingSource();
    const { store, manifest } = await prepareSeed(source, portableSha256, () => {});
    await store.get(0);
    const underWay = store.get(1);
    store.releaseMemory();
    await underWay;
    source.reads = 0;
    // Neither is held any more: each is read again, and served right.
    expect(await sha256Hex(await store.get(0))).toBe(manifest.chunkSha256[0]);
    expect(await sha256Hex(await store.get(1))).toBe(manifest.chunkSha256[1]);
    expect(source.reads).toBe(2);
  });
});
