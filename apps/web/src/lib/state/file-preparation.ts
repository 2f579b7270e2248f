import { buildManifest, contentIdOf, manifestFileName, toHex, type Manifest, type Sha256 } from '@swarmlab/protocol';
import { incrementalSha256 } from '../incremental-sha256';
import type { ChunkSource } from '../storage/chunk-source';
import { SourceChunkStore } from '../storage/source-chunk-store';

/** What a seeder needs before it creates a swarm: the manifest, its content id, the chunks and the file's hash. */
export interface PreparedSeed {
  readonly manifest: Manifest;
  readonly contentId: string;
  /** Reads the chunks from the source on demand (never the whole file). */
  readonly store: SourceChunkStore;
  /** SHA-256 (hex) of the whole file, from the same pass. */
  readonly fileSha256: string;
}

/** Shown when a link's content id is not the one of the manifest the server hands out. */
export const CONTENT_MISMATCH_MESSAGE =
  'The file this swarm offers does not match the link: the link may be damaged or forged.';

/**
 * Reads `source` once, chunk by chunk, in order, into one buffer: each chunk is hashed for the manifest
 * (reporting the fraction hashed, 0..1) and fed to the whole file's SHA-256 (`incrementalSha256`: WebCrypto has no
 * incremental digest) before the next is read over it. No more than a chunk of the file is in memory, and
 * the pass leaves no garbage behind per chunk (#12: a fresh buffer per chunk made the seeder's memory peak).
 * The manifest names the file `name` (seeding a swarm again: the swarm's own name for it, whatever the file is
 * called now), by default as `manifestFileName` cleans the source's name. Stops, rejecting with `signal`'s
 * reason, before the next chunk once `signal` is aborted (the user left: a large file need not be read on).
 * Rejects with the source's error when a read fails (the file changed on disk, or was removed).
 */
export async function prepareSeed(
  source: ChunkSource,
  sha256: Sha256,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
  name = manifestFileName(source.name),
): Promise<PreparedSeed> {
  const wholeFile = await incrementalSha256();
  let reuse: ArrayBuffer | undefined;
  const manifest = await buildManifest({
    name,
    sizeBytes: source.sizeBytes,
    // buildManifest reads each chunk once, in order, and is done with it (its hash taken: WebCrypto copies
    // what it digests when called) before it reads the next: the whole-file hash follows the same reads.
    read: async (offsetBytes, lengthBytes) => {
      signal?.throwIfAborted();
      if (!reuse || reuse.byteLength < lengthBytes) reuse = new ArrayBuffer(lengthBytes);
      const chunk = await source.read(offsetBytes, lengthBytes, reuse);
      reuse = chunk.buffer as ArrayBuffer;
      wholeFile.update(chunk);
      return chunk;
    },
    sha256,
    onProgress: (hashedChunks, totalChunks) => onProgress(hashedChunks / totalChunks),
  });
  const contentId = await contentIdOf(manifest, sha256);
  return {
    manifest,
    contentId,
    store: new SourceChunkStore(source, manifest),
    fileSha256: toHex(wholeFile.digest()),
  };
}

/** Why the file `name` could not be prepared for seeding (`prepareSeed` rejected), for the user. */
export function unreadableFileMessage(name: string, error: unknown): string {
  return `Could not read ${name} (${reasonOf(error)}): it may have changed on disk, or been moved, while it was read. Pick it again.`;
}

/**
 * Why `file`, picked to seed a swarm again, is not the swarm's (`manifest`): its size differs, or else its
 * bytes do (it was hashed). Its name does not matter: the swarm's name for the file is kept.
 */
export function notThisSwarmsFileMessage(
  file: Pick<ChunkSource, 'name' | 'sizeBytes'>,
  manifest: Pick<Manifest, 'name' | 'sizeBytes'>,
): string {
  const why =
    file.sizeBytes === manifest.sizeBytes
      ? 'its bytes differ'
      : `it holds ${file.sizeBytes.toLocaleString('en')} bytes, the swarm's ${manifest.sizeBytes.toLocaleString('en')}`;
  return `${file.name} is not the file this swarm shares (${manifest.name}): ${why}. Pick the very file the swarm was started with.`;
}

/** Why a seeder stopped: the file it seeds could no longer be read to serve a peer. */
export function seededFileGoneMessage(name: string, error: unknown): string {
  return `${name} can no longer be read (${reasonOf(error)}): it changed on disk, or was moved or removed, since it was picked. This tab stopped seeding it; pick the file again to share it in a new swarm.`;
}

const reasonOf = (error: unknown): string =>
  error instanceof Error || error instanceof DOMException ? `${error.name}: ${error.message}` : String(error);

/** Whether `manifest` is the one a link's `contentId` names (a damaged or forged link is not). */
export async function manifestMatchesLink(manifest: Manifest, contentId: string, sha256: Sha256): Promise<boolean> {
  return (await contentIdOf(manifest, sha256)) === contentId;
}
