import { createHash } from 'node:crypto';
import type { AsyncChunkStore } from '@swarmlab/engine';
import { chunkCount, toHex, type Manifest, type Sha256 } from '@swarmlab/protocol';
import { HeadlessPeerError } from './headless-peer-error';

/**
 * Reads every chunk back from `store`, in order, checks each against the manifest's hash (the engine checked
 * it on arrival; this checks what the store kept, an output file on disk say) and returns the whole file's
 * SHA-256 (hex). A chunk missing or different is a `HeadlessPeerError`.
 */
export async function verifiedFileSha256(store: AsyncChunkStore, manifest: Manifest, sha256: Sha256): Promise<string> {
  const wholeFile = createHash('sha256');
  for (let index = 0; index < chunkCount(manifest); index++) {
    const chunk = await store.get(index);
    if (!chunk) throw new HeadlessPeerError(`chunk ${index} is missing from the downloaded file`);
    if (toHex(await sha256(chunk)) !== manifest.chunkSha256[index])
      throw new HeadlessPeerError(`chunk ${index} of the downloaded file does not match its hash`);
    wholeFile.update(chunk);
  }
  return wholeFile.digest('hex');
}
