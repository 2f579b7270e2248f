import type { FileHandle } from 'node:fs/promises';
import type { AsyncChunkStore } from '@swarmlab/engine';
import { chunkLengthBytes, toHex, type Manifest, type Sha256 } from '@swarmlab/protocol';

/**
 * Chunks read lately, kept: the engine asks for a chunk once per block it uploads (8 times for a 256 KiB chunk
 * in 32 KiB blocks, 32 for the 1 MiB chunks of files over 4 GiB), and a few neighbours fetch different chunks
 * at once. Four chunks are a few MiB at most.
 */
export const RECENT_CHUNKS = 4;

/**
 * A file's chunks where they are on disk, read and written by ranges through one `FileHandle`: a seeder
 * serves its file this way (never held whole in memory), and a leecher given `--out` writes each verified
 * chunk at its place. The file is the caller's to open and close. The chunks it hands out are shared (the
 * engine only reads them), and the last few are kept so a chunk's blocks cost one read of the disk.
 *
 * Given `verifyWith`, every chunk read is checked against the manifest before it is handed out: a seeder's file
 * changed on disk since it was shared (saved over in place, at the same size) is a read that fails, saying
 * so, where it would otherwise send bytes that every leecher throws away as corrupt.
 */
export class FileChunkStore implements AsyncChunkStore {
  readonly #file: FileHandle;
  readonly #manifest: Manifest;
  /** The latest reads, oldest first. */
  readonly #recent = new Map<number, Promise<Uint8Array>>();

  readonly #verifyWith: Sha256 | undefined;

  constructor(file: FileHandle, manifest: Manifest, verifyWith?: Sha256) {
    this.#file = file;
    this.#manifest = manifest;
    this.#verifyWith = verifyWith;
  }

  get(chunkIndex: number): Promise<Uint8Array> {
    const kept = this.#recent.get(chunkIndex);
    if (kept) {
      this.#recent.delete(chunkIndex);
      this.#recent.set(chunkIndex, kept);
      return kept;
    }
    const reading = this.#read(chunkIndex);
    this.#recent.set(chunkIndex, reading);
    // A failed read is not kept: the next ask reads again.
    reading.catch(() => this.#recent.get(chunkIndex) === reading && this.#recent.delete(chunkIndex));
    if (this.#recent.size > RECENT_CHUNKS) this.#recent.delete(this.#recent.keys().next().value!);
    return reading;
  }

  async #read(chunkIndex: number): Promise<Uint8Array> {
    const lengthBytes = chunkLengthBytes(this.#manifest, chunkIndex);
    const chunk = new Uint8Array(lengthBytes);
    const { bytesRead } = await this.#file.read(chunk, 0, lengthBytes, chunkIndex * this.#manifest.chunkBytes);
    if (bytesRead !== lengthBytes) throw new Error(`read ${bytesRead} of ${lengthBytes} bytes`);
    if (this.#verifyWith && toHex(await this.#verifyWith(chunk)) !== this.#manifest.chunkSha256[chunkIndex])
      throw new Error(`its bytes no longer match their hash in the manifest`);
    return chunk;
  }

  /** Rejects for a file opened read-only (a seeder's, to which the engine never writes). */
  async put(chunkIndex: number, bytes: Uint8Array): Promise<void> {
    this.#recent.delete(chunkIndex);
    const { bytesWritten } = await this.#file.write(bytes, 0, bytes.length, chunkIndex * this.#manifest.chunkBytes);
    if (bytesWritten !== bytes.length)
      throw new Error(`chunk ${chunkIndex}: wrote ${bytesWritten} of ${bytes.length} bytes (is the disk full?)`);
  }
}
