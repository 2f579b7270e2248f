import { WholeFileHasher } from '../whole-file-hash';
import type { IdbChunkStore } from './idb-chunk-store';

/**
 * SHA-256 (lowercase hex) of a leecher's complete store, in the pass that rewrites its bytes as Blobs so Save is at
 * once (`IdbChunkStore.storeAsBlobs`): each chunk that pass reads is hashed as it comes, so the file is read once,
 * where a rewrite and then a hashing pass over the Blobs read it twice. If the pass did not hand the hash every chunk
 * (Save started it first, or joined it and no longer waits for the hash, or a Blob read failed), the hash goes on
 * once the pass is over from the first chunk it lacks, reading what is stored. `onProgress` is told the fraction of
 * the file hashed, which only grows, from 0 (told at once: a bar left at 100 % by an earlier hash, or by the check of
 * the chunks a reloaded tab held, would otherwise stay there through Save's rewrite, then fall).
 */
export async function hashStoredFile(store: IdbChunkStore, onProgress?: (fraction: number) => void): Promise<string> {
  const sizeBytes = store.sizeBytes;
  const hasher = await WholeFileHasher.create(sizeBytes, { countsFedBytes: false });
  const hashed = () => onProgress?.(sizeBytes === 0 ? 1 : hasher.hashedBytes / sizeBytes);
  onProgress?.(0);
  // The chunk being fed when the pass stopped waiting (a Save joined): the rest starts after it.
  let feeding: Promise<void> = Promise.resolve();
  const handedAll = await store.storeAsBlobs(undefined, (chunk) => {
    feeding = hasher.add(chunk).then(hashed);
    return feeding;
  });
  if (!handedAll) {
    await feeding.catch(() => {});
    await hasher.addRest(store, hashed);
  }
  return hasher.digest();
}
