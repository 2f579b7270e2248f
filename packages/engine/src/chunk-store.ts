/** Where verified chunks live. Memory by default; persistent browser storage can implement it later. */
export interface ChunkStore {
  get(chunkIndex: number): Uint8Array | undefined;
  put(chunkIndex: number, bytes: Uint8Array): void;
}

/** Keeps chunks in memory. */
export class MemoryChunkStore implements ChunkStore {
  readonly #chunks = new Map<number, Uint8Array>();

  /** A store holding a whole file, split into `chunkBytes` views (no copy). */
  static fromFile(fileBytes: Uint8Array, chunkBytes: number): MemoryChunkStore {
    const store = new MemoryChunkStore();
    for (let index = 0; index * chunkBytes < fileBytes.length; index++) {
      store.put(index, fileBytes.subarray(index * chunkBytes, (index + 1) * chunkBytes));
    }
    return store;
  }

  get(chunkIndex: number): Uint8Array | undefined {
    return this.#chunks.get(chunkIndex);
  }

  put(chunkIndex: number, bytes: Uint8Array): void {
    this.#chunks.set(chunkIndex, bytes);
  }
}

/** Concatenates chunks 0..chunkCount-1 into one file; `undefined` if any is missing. */
export function assembleFile(store: ChunkStore, chunkCount: number, sizeBytes: number): Uint8Array | undefined {
  const file = new Uint8Array(sizeBytes);
  let offsetBytes = 0;
  for (let index = 0; index < chunkCount; index++) {
    const chunk = store.get(index);
    if (!chunk) return undefined;
    file.set(chunk, offsetBytes);
    offsetBytes += chunk.length;
  }
  return file;
}
