import { createHash } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import type { AsyncChunkStore } from '@swarmlab/engine';
import { chunkCount, toHex, type Manifest, type Sha256 } from '@swarmlab/protocol';
import { HeadlessPeerError } from './headless-peer-error';

/**
 * Bytes checked between two turns of the event loop: a memory store's reads and Node's hashing never wait, so
 * the check of a 2 GiB download held the peer for seconds (no uploads, reports or Ctrl-C; found by review).
 */
export const CHECK_SLICE_BYTES = 4 * 1024 * 1024;

/**
 * Reads every chunk back from `store`, in order, checks each against the manifest's hash (the engine checked
 * it on arrival; this checks what the store kept, an output file on disk say) and returns the whole file's
 * SHA-256 (hex). A chunk missing or different is a `HeadlessPeerError`. The event loop gets a turn every
 * `CHECK_SLICE_BYTES`. A store whose reads check each chunk themselves (`storeChecksReads`: an `--out` file's,
 * `FileChunkStore` with `verifyWith`) is not checked twice: every chunk was hashed three times, minutes for a
 * 16 GiB file on a laptop, with the next run waiting (found by review).
 */
export async function verifiedFileSha256(
  store: AsyncChunkStore,
  manifest: Manifest,
  sha256: Sha256,
  storeChecksReads = false,
  onProgress?: (fraction: number) => void,
): Promise<string> {
  const wholeFile = createHash('sha256');
  let sinceTurnBytes = 0;
  const chunks = chunkCount(manifest);
  for (let index = 0; index < chunks; index++) {
    onProgress?.(index / chunks);
    const chunk = await readBack(store, index);
    if (!chunk) throw new HeadlessPeerError(`chunk ${index} is missing from the downloaded file`);
    if (!storeChecksReads && toHex(await sha256(chunk)) !== manifest.chunkSha256[index])
      throw new HeadlessPeerError(`chunk ${index} of the downloaded file does not match its hash`);
    wholeFile.update(chunk);
    sinceTurnBytes += chunk.length;
    if (sinceTurnBytes >= CHECK_SLICE_BYTES) {
      sinceTurnBytes = 0;
      await setImmediate();
    }
  }
  onProgress?.(1);
  return wholeFile.digest('hex');
}

/** Chunk `index` of `store`; a read that fails (a store checking what it reads says why) is a `HeadlessPeerError`. */
async function readBack(store: AsyncChunkStore, index: number): Promise<Uint8Array | undefined> {
  try {
    return await store.get(index);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HeadlessPeerError(`chunk ${index} of the downloaded file could not be read back: ${reason}`);
  }
}
