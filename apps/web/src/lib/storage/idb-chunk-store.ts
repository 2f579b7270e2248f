import type { AsyncChunkStore } from '@swarmlab/engine';
import type { StoredFile } from '../whole-file-hash';
import { chunkCount, type Manifest } from '@swarmlab/protocol';
import { ChunkCache, servedChunkCacheBytes } from './chunk-cache';
import { chunkRange, type ChunkDb } from './chunk-database';
import { writeErrorOf, type StorageError } from './storage-error';

/** Chunks read per transaction when the whole file is read in order (hashing it). */
const CHUNKS_PER_READ = 16;

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
 * `[storeKey, chunkIndex]`, one transaction per chunk (a failed one leaves nothing behind). A
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

  constructor(options: IdbChunkStoreOptions) {
    this.storeKey = options.storeKey;
    this.#db = options.db;
    this.#manifest = options.manifest;
    this.#cache = new ChunkCache(options.cacheBytes ?? servedChunkCacheBytes(options.manifest.chunkBytes));
    this.#onWriteFailed = options.onWriteFailed;
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

  async put(chunkIndex: number, bytes: Uint8Array): Promise<void> {
    if (this.#failed) throw new Error(`storage failed: ${this.#failed.code}`);
    try {
      await this.#db.put('chunks', new Blob([bytes as Uint8Array<ArrayBuffer>]), [this.storeKey, chunkIndex]);
    } catch (error) {
      if (!this.#failed) {
        this.#failed = writeErrorOf(error);
        this.#onWriteFailed(this.#failed);
      }
      throw error;
    }
    this.#cache.set(chunkIndex, bytes);
  }

  /** The whole file as one Blob of the stored chunk Blobs (no copy in JS), or undefined if one is missing. */
  async fileBlob(): Promise<Blob | undefined> {
    const blobs = await this.#db.getAll('chunks', chunkRange(this.storeKey));
    if (blobs.length !== chunkCount(this.#manifest)) return undefined;
    return new Blob(blobs, { type: 'application/octet-stream' });
  }

  /** The file's chunks in order, a few at a time (for a streaming pass such as the whole-file hash). */
  async *chunks(): AsyncGenerator<Uint8Array> {
    const count = chunkCount(this.#manifest);
    for (let fromIndex = 0; fromIndex < count; fromIndex += CHUNKS_PER_READ) {
      const toIndex = Math.min(count, fromIndex + CHUNKS_PER_READ) - 1;
      const blobs = await this.#db.getAll('chunks', chunkRange(this.storeKey, fromIndex, toIndex));
      if (blobs.length !== toIndex - fromIndex + 1)
        throw new Error(`chunks ${fromIndex}–${toIndex} are not all stored`);
      for (const blob of blobs) yield new Uint8Array(await blob.arrayBuffer());
    }
  }

  /** Drops the cache (the stored chunks stay until the store is forgotten). */
  close(): void {
    this.#cache.clear();
  }

  async #read(chunkIndex: number): Promise<Uint8Array | undefined> {
    const blob = await this.#db.get('chunks', [this.storeKey, chunkIndex]);
    if (!blob) return undefined;
    const chunk = new Uint8Array(await blob.arrayBuffer());
    this.#cache.set(chunkIndex, chunk);
    return chunk;
  }
}
