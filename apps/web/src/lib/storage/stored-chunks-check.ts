import { Bitfield, chunkCount, chunkLengthBytes, toHex, type Manifest, type Sha256 } from '@swarmlab/protocol';
import { hashPassHint } from '../whole-file-hash';
import { chunkRange, storedBytes, storedLength, type ChunkDb } from './chunk-database';

/**
 * What a reloaded tab still holds of a store (#12, "reload resumes"): every stored chunk is read and hashed
 * against the manifest; those that match are held, the others (a torn or tampered write) are deleted. So is a
 * chunk that cannot be read (Chromium keeps large values as files of their own: a file gone, or a read that
 * failed, is "Data lost" for that record): it is downloaded again, where it failed the whole tab with advice to
 * allow site data, in every retry of the run. One chunk in memory at a time. Reports the fraction checked (0..1).
 */
export async function checkStoredChunks(
  db: ChunkDb,
  storeKey: string,
  manifest: Manifest,
  sha256: Sha256,
  onProgress: (fraction: number) => void = () => {},
  /** Whether chunks that do not check out are deleted (to be fetched again); false only looks. */
  deleteFailed = true,
): Promise<Bitfield> {
  const held = new Bitfield(chunkCount(manifest));
  const keys = await db.getAllKeys('chunks', chunkRange(storeKey));
  const corrupt: [string, number][] = [];
  let checked = 0;
  // Each chunk is read into a fresh buffer, garbage once hashed: the whole-file hash's pass, reading the same bytes,
  // peaked past #12's 300 MiB at 2 GiB until it told V8 so as it went (`hashPassHint`); this pass does too.
  const hint = hashPassHint();
  for (const key of keys) {
    const chunkIndex = key[1];
    const valid = await readsBack(deleteFailed, async () => {
      const stored = await db.get('chunks', key);
      if (
        stored === undefined ||
        !Number.isInteger(chunkIndex) ||
        chunkIndex < 0 ||
        chunkIndex >= held.chunkCount ||
        storedLength(stored) !== chunkLengthBytes(manifest, chunkIndex)
      )
        return false;
      const bytes = await storedBytes(stored);
      hint.passed(bytes.length);
      return toHex(await sha256(bytes)) === manifest.chunkSha256[chunkIndex];
    });
    if (valid) held.set(chunkIndex);
    else corrupt.push(key);
    onProgress(++checked / keys.length);
  }
  if (deleteFailed && corrupt.length > 0) {
    const tx = db.transaction('chunks', 'readwrite');
    await Promise.all([...corrupt.map((key) => tx.store.delete(key)), tx.done]);
  }
  return held;
}

/** Reads of a stored chunk before it counts as unreadable: a read may fail once (a scanner, low memory). */
const READ_ATTEMPTS = 2;
/** The wait before a failed read is tried again. */
const READ_RETRY_AFTER_MS = 100;

/**
 * Whether a stored chunk reads back as it should; false too when reading it fails twice. One failed read made a
 * reloaded tab's kept file go unoffered, without a word, and leaving then deleted it without asking (found by review).
 */
async function readsBack(fetchedAgain: boolean, check: () => Promise<boolean>): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await check();
    } catch (error) {
      if (attempt < READ_ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, READ_RETRY_AFTER_MS));
        continue;
      }
      const then = fetchedAgain ? ', and is fetched again' : '';
      console.warn(`swarmlab: a stored chunk could not be read back${then}: ${String(error)}`);
      return false;
    }
  }
}
