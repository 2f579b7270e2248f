import { Bitfield } from '@swarmlab/protocol';
import type { AsyncChunkStore } from './chunk-store';

/** A store's failure to keep a chunk: what its `put` rejected with. */
export interface StoreFailure {
  readonly error: unknown;
}

/**
 * What reading a chunk fails with when the store's copy is shorter than the manifest says (a file cut short on disk,
 * a damaged record): a block cut from it was short or empty, which the wire encoder refuses with a throw, and thrown
 * after a read that answered later, it skipped resuming the upload, which stalled for good (found by review).
 */
export class ShortChunkError extends Error {
  override readonly name = 'ShortChunkError';

  constructor(chunkIndex: number, lengthBytes: number, expectedBytes: number) {
    super(`chunk ${chunkIndex} read back as ${lengthBytes} bytes, the manifest says ${expectedBytes}`);
  }
}

/** What we hold, read only: the bitfield `StoredChunks` keeps (change it only by writing a chunk). */
export type HeldChunks = Pick<Bitfield, 'chunkCount' | 'count' | 'isComplete' | 'has' | 'toBytes'>;

/**
 * The chunks we hold: the one owner of the engine's `AsyncChunkStore` and of the bitfield of what it
 * holds (`have`). The `Downloader` writes a chunk once it is verified; the `Uploader` reads the chunks it
 * serves; every part may read `have`. A store that answers at once is answered at once here too (no
 * promise, no microtask), so a synchronous store keeps the engine's schedule exact; one that answers
 * later is awaited, and a chunk counts as held only once it is written.
 */
export class StoredChunks {
  /** What we hold, verified and written. */
  readonly have: HeldChunks;
  readonly #store: AsyncChunkStore;
  readonly #have: Bitfield;
  readonly #lengthBytesOf: (chunkIndex: number) => number;

  /** `initialChunks`: chunks already in `store`, verified; `lengthBytesOf`: each chunk's length, as the manifest says. */
  constructor(
    store: AsyncChunkStore,
    chunkCount: number,
    initialChunks: Bitfield | undefined,
    lengthBytesOf: (chunkIndex: number) => number,
  ) {
    this.#store = store;
    this.#lengthBytesOf = lengthBytesOf;
    this.have = this.#have = new Bitfield(chunkCount);
    for (let index = 0; index < chunkCount; index++) if (initialChunks?.has(index)) this.#have.set(index);
  }

  /**
   * A chunk we hold, whole: at once from a store that answers at once, else a promise. Throws, or rejects, what the
   * store does, or if the chunk is missing or shorter than the manifest says (`ShortChunkError`).
   */
  read(chunkIndex: number): Uint8Array | Promise<Uint8Array> {
    const chunk = this.#store.get(chunkIndex);
    if (chunk instanceof Promise) return chunk.then((bytes) => this.#whole(chunkIndex, bytes));
    return this.#whole(chunkIndex, chunk);
  }

  #whole(chunkIndex: number, bytes: Uint8Array | undefined): Uint8Array {
    if (!bytes) return missing(chunkIndex);
    const expectedBytes = this.#lengthBytesOf(chunkIndex);
    if (bytes.length < expectedBytes) throw new ShortChunkError(chunkIndex, bytes.length, expectedBytes);
    return bytes;
  }

  /** Memory to assemble a chunk of `lengthBytes` in: the store's spare (`AsyncChunkStore.takeMemory`), if any. */
  memoryFor(lengthBytes: number): ArrayBuffer | undefined {
    return this.#store.takeMemory?.(lengthBytes);
  }

  /**
   * Keeps a verified chunk. Returns true once it is held, at once for a store that answers at once;
   * otherwise a promise of true once written, or of the store's failure. A chunk written later counts as held only
   * once the writer says so (`written`), as it handles the answer: a store that settles several writes in one loop
   * (the web's `WriteBatcher`, one IndexedDB transaction) had every bit set before the first of them was handled, and
   * each then found the file complete: `complete` fired once per chunk of the last batch, and the tab hashed the
   * whole file that many times (found by review).
   */
  write(chunkIndex: number, bytes: Uint8Array): true | Promise<true | StoreFailure> {
    const written = this.#store.put(chunkIndex, bytes);
    if (!(written instanceof Promise)) {
      this.#have.set(chunkIndex);
      return true;
    }
    return written.then(
      () => true as const,
      (error: unknown) => ({ error }),
    );
  }

  /** Counts a chunk `write` answered true for later as held (see `write`). */
  written(chunkIndex: number): void {
    this.#have.set(chunkIndex);
  }
}

function missing(chunkIndex: number): never {
  throw new Error(`chunk ${chunkIndex} is held but missing from the store`);
}
