import { createHash } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { buildManifest, contentIdOf, manifestFileName, MAX_FILE_BYTES, type Manifest } from '@swarmlab/protocol';
import { FileChunkStore } from './file-chunk-store';
import { HeadlessPeerError } from './headless-peer-error';
import { nodeSha256 } from './node-sha256';

/** A file a headless peer seeds: its manifest, content id and whole-file SHA-256, and its chunks read on demand. */
export interface SeedFile {
  readonly manifest: Manifest;
  readonly contentId: string;
  /** SHA-256 (hex) of the whole file, from the same pass as the manifest. */
  readonly fileSha256: string;
  readonly store: FileChunkStore;
  close(): Promise<void>;
}

/**
 * Opens `path` and reads it once, chunk by chunk, for the manifest's chunk hashes and the whole file's hash
 * (reporting the fraction hashed); afterwards chunks are read from the file as peers ask. A file that cannot
 * be seeded (missing, a directory, empty, too large) is a `HeadlessPeerError`. Aborted through `signal`, it stops
 * hashing, closes the file and rejects with the abort's reason.
 */
export async function openSeedFile(
  path: string,
  onProgress?: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<SeedFile> {
  return (await checkSeedFile(path)).hash(onProgress, signal);
}

/** A file to seed, checked and open (`checkSeedFile`), not hashed yet. */
export interface CheckedSeedFile {
  readonly sizeBytes: number;
  /** Hashes it, as `openSeedFile` does; the file is closed if this fails. Once only. */
  hash(onProgress?: (fraction: number) => void, signal?: AbortSignal): Promise<SeedFile>;
  close(): Promise<void>;
}

/**
 * Opens `path` and checks it can be seeded (a file, not empty, within swarmlab's limit), or rejects with a
 * `HeadlessPeerError`: quick, so that a file that cannot be seeded is said before the server is asked anything
 * (raced with the connection, a server out of reach was said instead of an empty file; found by review).
 */
export async function checkSeedFile(path: string): Promise<CheckedSeedFile> {
  let file: FileHandle;
  try {
    // Looked at before it is opened: opening a named pipe waits, for ever, for something to write to it.
    if (!(await stat(path)).isFile()) throw new HeadlessPeerError(`${path} is not a file`, 2);
    file = await open(path, 'r');
  } catch (error) {
    if (error instanceof HeadlessPeerError) throw error;
    throw new HeadlessPeerError(`cannot open ${path}: ${reasonOf(error)}`, 2);
  }
  let sizeBytes: number;
  try {
    const stats = await file.stat();
    if (!stats.isFile()) throw new HeadlessPeerError(`${path} is not a file`, 2);
    if (stats.size === 0) throw new HeadlessPeerError(`${path} is empty: there is nothing to share`, 2);
    if (stats.size > MAX_FILE_BYTES)
      throw new HeadlessPeerError(`${path} is larger than swarmlab's limit of ${MAX_FILE_BYTES} bytes`, 2);
    sizeBytes = stats.size;
  } catch (error) {
    await file.close();
    if (error instanceof HeadlessPeerError) throw error;
    throw new HeadlessPeerError(`cannot read ${path}: ${reasonOf(error)}`, 2);
  }
  return {
    sizeBytes,
    hash: (onProgress, signal) => hashSeedFile(path, file, sizeBytes, onProgress, signal),
    close: () => file.close(),
  };
}

async function hashSeedFile(
  path: string,
  file: FileHandle,
  sizeBytes: number,
  onProgress?: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<SeedFile> {
  try {
    const wholeFile = createHash('sha256');
    // Its start, once the file is open: the command line says "hashing" then, not before its input was checked.
    onProgress?.(0);
    const manifest = await buildManifest({
      name: manifestFileName(basename(path)),
      sizeBytes,
      read: async (offsetBytes, lengthBytes) => {
        // Aborted, it stops at the next chunk: a file of gigabytes took minutes to notice (found by review).
        signal?.throwIfAborted();
        const chunk = new Uint8Array(lengthBytes);
        const { bytesRead } = await file.read(chunk, 0, lengthBytes, offsetBytes);
        // A file cut short while it was read would hash zeros into the manifest, and fail peers later.
        if (bytesRead !== lengthBytes) throw new HeadlessPeerError(`${path} changed while it was read: try again`, 2);
        wholeFile.update(chunk);
        return chunk;
      },
      sha256: nodeSha256,
      onProgress: (hashedChunks, totalChunks) => onProgress?.(hashedChunks / totalChunks),
    });
    return {
      manifest,
      contentId: await contentIdOf(manifest, nodeSha256),
      fileSha256: wholeFile.digest('hex'),
      // Checked on every read: a file saved over in place would otherwise be served, corrupt, without a word.
      store: new FileChunkStore(file, manifest, nodeSha256),
      close: () => file.close(),
    };
  } catch (error) {
    await file.close();
    if (error instanceof HeadlessPeerError || signal?.aborted) throw error;
    throw new HeadlessPeerError(`cannot read ${path}: ${reasonOf(error)}`, 2);
  }
}

/** An I/O error's reason in a few words (`ENOENT` reads as "no such file"). */
export function reasonOf(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return error instanceof Error ? error.message : String(error);
}
