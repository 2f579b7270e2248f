import type { FileHandle } from 'node:fs/promises';
import type { AsyncChunkStore } from '@swarmlab/engine';
import { chunkLengthBytes, type Manifest } from '@swarmlab/protocol';

/**
 * A file's chunks where they are on disk, read and written by ranges through one `FileHandle`: a seeder
 * serves its file this way (never held whole in memory), and a leecher given `--out` writes each verified
 * chunk at its place. The file is the caller's to open and close.
 */
export class FileChunkStore implements AsyncChunkStore {
  readonly #file: FileHandle;
  readonly #manifest: Manifest;

  constructor(file: FileHandle, manifest: Manifest) {
    this.#file = file;
    this.#manifest = manifest;
  }

  async get(chunkIndex: number): Promise<Uint8Array> {
    const lengthBytes = chunkLengthBytes(this.#manifest, chunkIndex);
    const chunk = new Uint8Array(lengthBytes);
    const { bytesRead } = await this.#file.read(chunk, 0, lengthBytes, chunkIndex * this.#manifest.chunkBytes);
    if (bytesRead !== lengthBytes) throw new Error(`chunk ${chunkIndex}: read ${bytesRead} of ${lengthBytes} bytes`);
    return chunk;
  }

  /** Rejects for a file opened read-only (a seeder's, to which the engine never writes). */
  async put(chunkIndex: number, bytes: Uint8Array): Promise<void> {
    const { bytesWritten } = await this.#file.write(bytes, 0, bytes.length, chunkIndex * this.#manifest.chunkBytes);
    if (bytesWritten !== bytes.length)
      throw new Error(`chunk ${chunkIndex}: wrote ${bytesWritten} of ${bytes.length} bytes (is the disk full?)`);
  }
}
