import { readBlobInto } from '../blob-reader';

/**
 * A file the seeder offers, read by ranges on demand: a `File` the user picked, or a generated test file.
 * The tab never holds it whole (#12): the manifest pass and every upload read one chunk at a time.
 */
export interface ChunkSource {
  readonly name: string;
  readonly sizeBytes: number;
  /**
   * `lengthBytes` of the file from `offsetBytes`: a fresh buffer the caller may keep, or, given `reuse` (at
   * least `lengthBytes` long), a view of that memory, for a pass that reads chunk after chunk into one
   * buffer. `reuse` may be detached by the read: the next read takes the returned view's `buffer`.
   */
  read(offsetBytes: number, lengthBytes: number, reuse?: ArrayBuffer): Promise<Uint8Array>;
  /**
   * The whole file as a Blob, for Save: a `File` is one already; a generated file is built part by part,
   * saying how far it is (`onProgress`, 0 to 1), until `signal` aborts (the Save was left: it rejects).
   */
  blob(onProgress?: (fraction: number) => void, signal?: AbortSignal): Promise<Blob>;
}

/** A file the user picked (or dropped), read by `file.slice(…)`: only the slice is loaded. */
export function fileChunkSource(file: File): ChunkSource {
  return {
    name: file.name,
    sizeBytes: file.size,
    read: async (offsetBytes, lengthBytes, reuse) => {
      const slice = file.slice(offsetBytes, offsetBytes + lengthBytes);
      return reuse ? readBlobInto(slice, reuse) : new Uint8Array(await slice.arrayBuffer());
    },
    blob: async () => file,
  };
}

/** A file held in memory (tests, small fixtures). */
export function bytesChunkSource(name: string, bytes: Uint8Array): ChunkSource {
  return {
    name,
    sizeBytes: bytes.length,
    read: async (offsetBytes, lengthBytes, reuse) => {
      const range = bytes.subarray(offsetBytes, offsetBytes + lengthBytes);
      if (!reuse) return range.slice();
      const into = new Uint8Array(reuse, 0, range.length);
      into.set(range);
      return into;
    },
    blob: async () => new Blob([bytes as Uint8Array<ArrayBuffer>]),
  };
}
