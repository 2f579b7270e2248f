import type { FileHandle } from 'node:fs/promises';
import type { AsyncChunkStore } from '@swarmlab/engine';
import { chunkLengthBytes, toHex, type Manifest, type Sha256 } from '@swarmlab/protocol';

/**
 * Chunks read lately, kept up to this many bytes (at least one chunk): the engine asks for a chunk once per block
 * it uploads (8 times for a 256 KiB chunk in 32 KiB blocks, 32 for the 1 MiB chunks of files over 4 GiB), and
 * serves its neighbours' requests oldest first, so a client-server seeder's 30 leechers, each fetching its own
 * chunks, interleave a hundred chunks' blocks. With four chunks kept, 68–79 % of the blocks a client-server
 * seeder sent cost a whole chunk read and hashed again, which held it to about 70 MB/s (21 MB/s with 1 MiB
 * chunks) on a whole core (found by review). A terminal peer can spare 64 MiB.
 */
export const RECENT_BYTES = 64 * 1024 * 1024;

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
  /** How many of the latest reads are kept (`RECENT_BYTES`, or the caller's bound). */
  readonly #keptChunks: number;

  constructor(file: FileHandle, manifest: Manifest, verifyWith?: Sha256, recentBytes = RECENT_BYTES) {
    this.#file = file;
    this.#manifest = manifest;
    this.#verifyWith = verifyWith;
    this.#keptChunks = Math.max(1, Math.floor(recentBytes / manifest.chunkBytes));
  }

  /** Whether every chunk read is checked against the manifest (`verifyWith` given). */
  get checksReads(): boolean {
    return this.#verifyWith !== undefined;
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
    if (this.#recent.size > this.#keptChunks) this.#recent.delete(this.#recent.keys().next().value!);
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
