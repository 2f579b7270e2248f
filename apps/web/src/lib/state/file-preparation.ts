import { MemoryChunkStore, type ChunkStore } from '@swarmlab/engine';
import { buildManifest, chunkCount, contentIdOf, type Manifest, type Sha256 } from '@swarmlab/protocol';
import { wholeFileSha256 } from '../whole-file-hash';

/** A file the user offers: its name and bytes. */
export interface SourceFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** What a seeder needs before it creates a swarm: the manifest, its content id and the chunks. */
export interface PreparedSeed {
  readonly manifest: Manifest;
  readonly contentId: string;
  readonly store: ChunkStore;
}

/** Shown when a link's content id is not the one of the manifest the server hands out. */
export const CONTENT_MISMATCH_MESSAGE =
  'The file this swarm offers does not match the link: the link may be damaged or forged.';

/** Hashes `file`'s chunks into a manifest (reporting the fraction hashed, 0..1) and keeps its chunks. */
export async function prepareSeed(
  file: SourceFile,
  sha256: Sha256,
  onProgress: (fraction: number) => void,
): Promise<PreparedSeed> {
  const manifest = await buildManifest({
    name: file.name,
    sizeBytes: file.bytes.length,
    read: async (offsetBytes, lengthBytes) => file.bytes.subarray(offsetBytes, offsetBytes + lengthBytes),
    sha256,
    onProgress: (hashedChunks, totalChunks) => onProgress(hashedChunks / totalChunks),
  });
  const contentId = await contentIdOf(manifest, sha256);
  return { manifest, contentId, store: MemoryChunkStore.fromFile(file.bytes, manifest.chunkBytes) };
}

/** Whether `manifest` is the one a link's `contentId` names (a damaged or forged link is not). */
export async function manifestMatchesLink(manifest: Manifest, contentId: string, sha256: Sha256): Promise<boolean> {
  return (await contentIdOf(manifest, sha256)) === contentId;
}

/** SHA-256 (hex) of the whole file `store` holds, reporting the fraction hashed (0..1). */
export function storedFileSha256(
  manifest: Manifest,
  store: ChunkStore,
  onProgress: (fraction: number) => void,
): Promise<string> {
  const chunks = Array.from({ length: chunkCount(manifest) }, (_, index) => store.get(index)!);
  return wholeFileSha256(chunks, (hashedBytes) => onProgress(hashedBytes / manifest.sizeBytes));
}

/** The file `store` holds as a Blob, without copying its chunks. */
export function storedFileBlob(manifest: Manifest, store: ChunkStore): Blob {
  const chunks: BlobPart[] = [];
  for (let index = 0; index < chunkCount(manifest); index++) chunks.push(store.get(index) as Uint8Array<ArrayBuffer>);
  return new Blob(chunks, { type: 'application/octet-stream' });
}
