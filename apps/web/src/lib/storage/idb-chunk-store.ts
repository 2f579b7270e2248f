import type { AsyncChunkStore } from '@swarmlab/engine';
import type { StoredFile } from '../whole-file-hash';
import { chunkCount, type Manifest } from '@swarmlab/protocol';
import { ChunkCache, servedChunkCacheBytes } from './chunk-cache';
import { chunkRange, type ChunkDb } from './chunk-database';
import { writeErrorOf, type StorageError } from './storage-error';
import { WriteBatcher } from './write-batcher';
import { readBlobInto } from '../blob-reader';

/** Chunks read per transaction when the whole file is read in order (hashing it). */
const CHUNKS_PER_READ = 16;
/** Most chunks one write transaction takes: 2 MiB of 256 KiB chunks; it takes fewer when fewer wait. */
const MAX_CHUNKS_PER_WRITE = 8;

interface ChunkWrite {
  readonly chunkIndex: number;
  readonly bytes: Uint8Array;
}

export interface IdbChunkStoreOptions {
  readonly db: ChunkDb;
  readonly storeKey: string;
  readonly manifest: Manifest;
  readonly cacheBytes?: number;
  /**
   * The first write that fails (out of room, private mode): the store refuses every write after it, and
   * the tab stops with a clear message (`storageMessageOf`) and forgets the store.
   */
  readonly onWriteFailed: (error: StorageError) => void;
}

/**
 * A leecher's chunks in IndexedDB (#12): each verified chunk is written as a Blob under
 * `[storeKey, chunkIndex]`. One write transaction runs at a time, taking every chunk verified meanwhile
 * (`WriteBatcher`); a failed one leaves nothing behind. Writes are `relaxed` (no flush to disk per
 * transaction): a crash may lose the last chunks written, which a reload finds missing and fetches again,
 * as it checks every stored chunk against the manifest anyway. A
 * `ChunkCache` keeps the chunks written or read lately, which are the ones peers ask for (rarest first
 * favours the newest), so most uploads answer at once.
 */
export class IdbChunkStore implements AsyncChunkStore, StoredFile {
  readonly storeKey: string;
  readonly #db: ChunkDb;
  readonly #manifest: Manifest;
  readonly #cache: ChunkCache;
  readonly #onWriteFailed: (error: StorageError) => void;
  #failed: StorageError | undefined;
  readonly #writes: WriteBatcher<ChunkWrite>;

  constructor(options: IdbChunkStoreOptions) {
    this.storeKey = options.storeKey;
    this.#db = options.db;
    this.#manifest = options.manifest;
    this.#cache = new ChunkCache(options.cacheBytes ?? servedChunkCacheBytes(options.manifest.chunkBytes));
    this.#onWriteFailed = options.onWriteFailed;
    this.#writes = new WriteBatcher((batch) => this.#writeBatch(batch), MAX_CHUNKS_PER_WRITE);
  }

  get sizeBytes(): number {
    return this.#manifest.sizeBytes;
  }

  /** Why writing stopped, if it did. */
  get failed(): StorageError | undefined {
    return this.#failed;
  }

  get(chunkIndex: number): Uint8Array | Promise<Uint8Array | undefined> {
    return this.#cache.get(chunkIndex) ?? this.#read(chunkIndex);
  }

  /** The memory of a chunk the cache dropped, for the engine to assemble the next chunk in. */
  takeMemory(lengthBytes: number): ArrayBuffer | undefined {
    return this.#cache.takeMemory(lengthBytes);
  }

  async put(chunkIndex: number, bytes: Uint8Array): Promise<void> {
    if (this.#failed) throw new Error(`storage failed: ${this.#failed.code}`);
    await this.#writes.add({ chunkIndex, bytes });
    this.#cache.set(chunkIndex, bytes);
  }

  /** The whole file as one Blob of the stored chunk Blobs (no copy in JS), or undefined if one is missing. */
  async fileBlob(): Promise<Blob | undefined> {
    const blobs = await this.#db.getAll('chunks', chunkRange(this.storeKey));
    if (blobs.length !== chunkCount(this.#manifest)) return undefined;
    return new Blob(blobs, { type: 'application/octet-stream' });
  }

  /**
   * The stored chunks in order, as Blobs, a few per transaction, for a streaming pass over the file (the
   * whole-file hash). Rejects when one is missing.
   */
  async *chunkBlobs(): AsyncGenerator<Blob> {
    const count = chunkCount(this.#manifest);
    for (let fromIndex = 0; fromIndex < count; fromIndex += CHUNKS_PER_READ) {
      const toIndex = Math.min(count, fromIndex + CHUNKS_PER_READ) - 1;
      const blobs = await this.#db.getAll('chunks', chunkRange(this.storeKey, fromIndex, toIndex));
      if (blobs.length !== toIndex - fromIndex + 1)
        throw new Error(`chunks ${fromIndex}–${toIndex} are not all stored`);
      yield* blobs;
    }
  }

  /** Drops the cache (the stored chunks stay until the store is forgotten). */
  close(): void {
    this.#cache.clear();
  }

  async #writeBatch(batch: readonly ChunkWrite[]): Promise<void> {
    try {
      const tx = this.#db.transaction('chunks', 'readwrite', { durability: 'relaxed' });
      await Promise.all([
        ...batch.map(({ chunkIndex, bytes }) =>
          tx.store.put(new Blob([bytes as Uint8Array<ArrayBuffer>]), [this.storeKey, chunkIndex]),
        ),
        tx.done,
      ]);
    } catch (error) {
      if (!this.#failed) {
        this.#failed = writeErrorOf(error);
        this.#onWriteFailed(this.#failed);
        this.#writes.rejectQueued(new Error(`storage failed: ${this.#failed.code}`));
      }
      throw error;
    }
  }

  async #read(chunkIndex: number): Promise<Uint8Array | undefined> {
    const blob = await this.#db.get('chunks', [this.storeKey, chunkIndex]);
    if (!blob) return undefined;
    const memory = this.#cache.takeMemory(blob.size);
    const chunk = memory ? await readBlobInto(blob, memory) : new Uint8Array(await blob.arrayBuffer());
    this.#cache.set(chunkIndex, chunk);
    return chunk;
  }
}
