import { Bitfield, chunkCount, chunkLengthBytes, toHex, type Manifest, type Sha256 } from '@swarmlab/protocol';
import { chunkRange, storedBytes, storedLength, type ChunkDb } from './chunk-database';

/**
 * What a reloaded tab still holds of a store (#12, "reload resumes"): every stored chunk is read and hashed
 * against the manifest; those that match are held, the others (a torn or tampered write) are deleted. One
 * chunk in memory at a time. Reports the fraction checked (0..1).
 */
export async function checkStoredChunks(
  db: ChunkDb,
  storeKey: string,
  manifest: Manifest,
  sha256: Sha256,
  onProgress: (fraction: number) => void = () => {},
): Promise<Bitfield> {
  const held = new Bitfield(chunkCount(manifest));
  const keys = await db.getAllKeys('chunks', chunkRange(storeKey));
  const corrupt: [string, number][] = [];
  let checked = 0;
  for (const key of keys) {
    const chunkIndex = key[1];
    const stored = await db.get('chunks', key);
    const valid =
      stored !== undefined &&
      Number.isInteger(chunkIndex) &&
      chunkIndex >= 0 &&
      chunkIndex < held.chunkCount &&
      storedLength(stored) === chunkLengthBytes(manifest, chunkIndex) &&
      toHex(await sha256(await storedBytes(stored))) === manifest.chunkSha256[chunkIndex];
    if (valid) held.set(chunkIndex);
    else corrupt.push(key);
    onProgress(++checked / keys.length);
  }
  if (corrupt.length > 0) {
    const tx = db.transaction('chunks', 'readwrite');
    await Promise.all([...corrupt.map((key) => tx.store.delete(key)), tx.done]);
  }
  return held;
}
