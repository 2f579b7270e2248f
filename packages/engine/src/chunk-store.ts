/** A value at once, or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Where verified chunks live, answering at once: memory (the default, and the simulator's). Whoever
 * made the store may read it back synchronously (`assembleFile`).
 */
export interface ChunkStore {
  get(chunkIndex: number): Uint8Array | undefined;
  put(chunkIndex: number, bytes: Uint8Array): void;
}

/**
 * Where verified chunks live, answering at once or later: each call returns its answer or a promise of
 * it (persistent browser storage, say, or a cache in front of it). What `SwarmEngineDeps.store` takes;
 * every `ChunkStore` is one. The engine only puts a chunk once it is verified and only gets chunks it
 * put (or was given in `initialChunks`); a store whose answers come at once runs the engine on exactly
 * the same schedule as a `ChunkStore`, with no extra microtask. A rejected `put` leaves the chunk to be
 * fetched again; a rejected `get` refuses that one block (the requester asks elsewhere, and is offered the chunk
 * again once a later read succeeds: `Uploader`).
 */
export interface AsyncChunkStore {
  get(chunkIndex: number): MaybePromise<Uint8Array | undefined>;
  put(chunkIndex: number, bytes: Uint8Array): MaybePromise<void>;
  /**
   * Optional: memory the store is done with (at least `lengthBytes`), for the engine to assemble the next
   * chunk it downloads in; undefined, or no such method, and the engine allocates it. A store that reuses
   * the memory of chunks it dropped from a cache closes the loop: a leecher then allocates no buffer per
   * chunk (#12). The engine hands the chunk back by `put`, or drops it if it fails its hash.
   */
  takeMemory?(lengthBytes: number): ArrayBuffer | undefined;
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
