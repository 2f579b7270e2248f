import 'fake-indexeddb/auto';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { chunkCount, chunkLengthBytes, type Manifest } from '@swarmlab/protocol';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { portableSha256 } from '../src/lib/page-sha256';
import { prepareSeed } from '../src/lib/state/file-preparation';
import { openChunkDatabase } from '../src/lib/storage/chunk-database';
import { IdbChunkStore } from '../src/lib/storage/idb-chunk-store';
import { hashStoredFile } from '../src/lib/storage/stored-file-hash';
import { generateTestFile, generatedTestFile } from '../src/lib/test-file';

const CHUNK = 256 * 1024;
const FILE_BYTES = 9 * CHUNK + 4321;
const fileBytes = generateTestFile(FILE_BYTES, 5);
const fileSha256 = bytesToHex(sha256(fileBytes));
const prepared = prepareSeed(generatedTestFile(FILE_BYTES, 5), portableSha256, () => {});
const chunkOf = (manifest: Manifest, index: number) =>
  fileBytes.slice(index * CHUNK, index * CHUNK + chunkLengthBytes(manifest, index));

let databases = 0;
/** A leecher's complete store, its chunks written as bytes during a run (or as Blobs: a store kept and reloaded). */
async function completeStore(as: 'bytes' | 'blobs' = 'bytes') {
  const { manifest } = await prepared;
  const db = await openChunkDatabase(`stored-file-hash-${++databases}`);
  for (let index = 0; index < chunkCount(manifest); index++) {
    const bytes = chunkOf(manifest, index);
    await db.put('chunks', as === 'bytes' ? bytes : new Blob([bytes]), ['k', index]);
  }
  const store = new IdbChunkStore({ db, storeKey: 'k', manifest, onWriteFailed: () => {} });
  return { db, store, readBack: vi.spyOn(store, 'chunks') };
}

function expectGrowingToOne(fractions: readonly number[]): void {
  expect(fractions[0]).toBe(0); // told at once: a bar left at 100 % by an earlier pass starts again
  expect(fractions.at(-1)).toBe(1);
  for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1]!);
}

describe('a completed leecher hashes its file in the pass that readies it for Save', () => {
  it('reads the file once: the rewrite as Blobs hands every chunk to the hash', async () => {
    for (const as of ['bytes', 'blobs'] as const) {
      const { db, store, readBack } = await completeStore(as);
      const fractions: number[] = [];
      expect(await hashStoredFile(store, (fraction) => fractions.push(fraction))).toBe(fileSha256);
      expect(readBack).not.toHaveBeenCalled();
      expectGrowingToOne(fractions);
      expect((await db.getAll('chunks')).every((chunk) => chunk instanceof Blob)).toBe(true);
    }
  });

  it('hashes what is stored once Save’s rewrite is over, when Save started it first', async () => {
    const { store, readBack } = await completeStore();
    const saved = store.fileBlob();
    const fractions: number[] = [];
    expect(await hashStoredFile(store, (fraction) => fractions.push(fraction))).toBe(fileSha256);
    expect(readBack).toHaveBeenCalledTimes(1);
    expect(readBack).toHaveBeenCalledWith(0);
    expectGrowingToOne(fractions);
    expect(bytesToHex(sha256(new Uint8Array(await (await saved).arrayBuffer())))).toBe(fileSha256);
  });

  it('goes on from the first chunk it lacks when Save joins its pass, and Save does not wait for the hash', async () => {
    for (const as of ['bytes', 'blobs'] as const) {
      const { store, readBack } = await completeStore(as);
      const fractions: number[] = [];
      let saved: Promise<Blob> | undefined;
      const hashed = hashStoredFile(store, (fraction) => {
        fractions.push(fraction);
        if (fraction > 0) saved ??= store.fileBlob(); // Save clicked once the first chunk is hashed
      });
      expect(await hashed).toBe(fileSha256);
      expect(readBack).toHaveBeenCalledTimes(1);
      const [firstIndex] = readBack.mock.calls[0]!;
      expect(firstIndex).toBeGreaterThan(0);
      expectGrowingToOne(fractions);
      expect(bytesToHex(sha256(new Uint8Array(await (await saved!).arrayBuffer())))).toBe(fileSha256);
    }
  });

  it('waits for a chunk still being read when Save joins, and goes on after it, reading no chunk twice', async () => {
    const { store, readBack } = await completeStore('blobs');
    // The 9th chunk's read is slow, and Save joins the pass as it begins: the pass stops waiting for the hash.
    let saved: Promise<Blob> | undefined;
    const stream = Blob.prototype.stream;
    let reads = 0;
    vi.spyOn(Blob.prototype, 'stream').mockImplementation(function (this: Blob) {
      const inner = stream.call(this);
      if (reads++ !== 8) return inner;
      saved = store.fileBlob();
      const reader = inner.getReader();
      return new ReadableStream<Uint8Array<ArrayBuffer>>({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 30));
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        },
      });
    });
    onTestFinished(() => void vi.restoreAllMocks());
    expect(await hashStoredFile(store)).toBe(fileSha256);
    // It went on from the 10th chunk: the 9th, read when Save joined, was not read again.
    expect(readBack.mock.calls).toEqual([[9]]);
    expect((await saved!).size).toBe(FILE_BYTES);
  });

  it('Save is not held by a hash whose read never settles', async () => {
    const { store } = await completeStore('blobs');
    const riding = store.storeAsBlobs(undefined, () => new Promise<void>(() => {}));
    const saved = await store.fileBlob();
    expect(saved.size).toBe(FILE_BYTES);
    expect(await riding).toBe(false);
  });

  it('says so when the stored file cannot be read back whole', async () => {
    const { db, store } = await completeStore();
    await db.delete('chunks', ['k', 7]);
    await expect(hashStoredFile(store)).rejects.toThrow('chunks 4–7 are not all stored');
  });
});
