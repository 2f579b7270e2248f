import { Bitfield, chunkCount, chunkLengthBytes, toHex, type Manifest, type Sha256 } from '@swarmlab/protocol';
import { hashPassHint } from '../whole-file-hash';
import { chunkRange, readFrom, storedBytes, storedLength, type ChunkDb } from './chunk-database';

/** What `checkStoredChunks` found. */
export interface StoredChunksCheck {
  /** The chunks that checked out. */
  readonly held: Bitfield;
  /** Stopped before every chunk was checked (`abandoned`): those not checked are neither held nor deleted. */
  readonly cutShort: boolean;
}

/** How `checkStoredChunks` goes. */
export interface StoredChunksCheckOptions {
  /** Told the fraction checked (0..1) after each chunk. */
  readonly onProgress?: ((fraction: number) => void) | undefined;
  /** Whether chunks that do not check out are deleted (to be fetched again); false only looks. Default true. */
  readonly deleteFailed?: boolean | undefined;
  /**
   * Asked before each chunk: true stops the check there, its answer the chunks checked so far (those not checked stay
   * stored, unjudged). The tab left, or a newer run took over: it went on hashing a 2 GiB file for 13 s after Leave.
   */
  readonly abandoned?: (() => boolean) | undefined;
}

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
  options: StoredChunksCheckOptions = {},
): Promise<StoredChunksCheck> {
  const { onProgress = () => {}, deleteFailed = true, abandoned = () => false } = options;
  const held = new Bitfield(chunkCount(manifest));
  // Through `readFrom`: a listing that fails aborts its transaction, whose end idb's shortcut left unhandled.
  const keys = await readFrom(db, 'chunks', (chunks) => chunks.getAllKeys(chunkRange(storeKey)));
  const corrupt: [string, number][] = [];
  let checked = 0;
  // Each chunk is read into a fresh buffer, garbage once hashed: the whole-file hash's pass, reading the same bytes,
  // peaked past #12's 300 MiB at 2 GiB until it told V8 so as it went (`hashPassHint`); this pass does too.
  const hint = hashPassHint();
  const check = async (key: [string, number]): Promise<boolean> => {
    const chunkIndex = key[1];
    const stored = await readFrom(db, 'chunks', (chunks) => chunks.get(key));
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
  };
  // A read that fails may pass a moment later (a scanner, low memory): those chunks are read once more, after one
  // wait for them all. One failed read left a reloaded tab's kept file unoffered, and leaving then deleted it
  // unasked; a wait per chunk took 14 min over a 2 GiB file whose every read failed (both found by review).
  const unread: [string, number][] = [];
  for (const key of keys) {
    if (abandoned()) return { held, cutShort: true };
    const valid = await readsBack(() => check(key));
    if (valid === true) held.set(key[1]);
    else if (valid === false) corrupt.push(key);
    else unread.push(key);
    // Over both passes: the chunks read again count twice (it said 100 % before the second pass).
    onProgress(++checked / (keys.length + unread.length));
  }
  if (unread.length > 0) await new Promise((resolve) => setTimeout(resolve, READ_RETRY_AFTER_MS));
  const failedReads: Error[] = [];
  let cutShort = false;
  for (const key of unread) {
    if ((cutShort = abandoned())) break;
    const valid = await readsBack(() => check(key));
    if (valid === true) held.set(key[1]);
    else corrupt.push(key);
    if (valid instanceof Error) failedReads.push(valid);
    onProgress(++checked / (keys.length + unread.length));
  }
  if (failedReads.length > 0) {
    const [what, then] =
      failedReads.length === 1
        ? ['a stored chunk', ', and is fetched again']
        : [`${failedReads.length} stored chunks`, ', and are fetched again'];
    console.warn(`swarmlab: ${what} could not be read back${deleteFailed ? then : ''}: ${String(failedReads[0])}`);
  }
  if (deleteFailed && corrupt.length > 0) {
    const tx = db.transaction('chunks', 'readwrite');
    await Promise.all([...corrupt.map((key) => tx.store.delete(key)), tx.done]);
  }
  return { held, cutShort };
}

/** The one wait before the chunks whose read failed are read again. */
const READ_RETRY_AFTER_MS = 100;

/** Whether a stored chunk reads back as it should, or the error reading it threw. */
async function readsBack(check: () => Promise<boolean>): Promise<boolean | Error> {
  try {
    return await check();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
